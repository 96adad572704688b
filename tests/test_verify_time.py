"""A signing-time window is checked against a trusted timestamp; a time only the signer's computer states is
flagged "thời điểm ký chưa được chứng thực", or INDETERMINATE when the policy asks for proof."""

from __future__ import annotations

import datetime as dt

from signing.verify.policy import Policy
from tests.test_verify_fixtures import Samples, VerifyFn

pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")


def _window(days_before: int, days_after: int, **extra: object) -> Policy:
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    window = {
        "not_before": str(today + dt.timedelta(days=days_before)),
        "not_after": str(today + dt.timedelta(days=days_after)),
        **extra,
    }
    return Policy.model_validate({"use_trust_store": False, "signing_time": window})


def test_timestamped_signature_is_checked_on_the_timestamp(samples: Samples, verify_one: VerifyFn) -> None:
    inside = verify_one(samples.signed, _window(-1, 1))
    assert (inside.indication, inside.caveats) == ("TOTAL_PASSED", [])
    outside = verify_one(samples.signed, _window(-10, -5))
    assert (outside.indication, outside.sub_indication) == ("INDETERMINATE", "SIG_CONSTRAINTS_FAILURE")
    assert "(theo dấu thời gian) nằm ngoài khoảng thời gian quy định" in outside.message


def test_claimed_time_only_is_flagged(samples: Samples, verify_one: VerifyFn) -> None:
    r = verify_one(samples.signed_bb, _window(-1, 1))
    assert (r.indication, r.accepted, r.flagged) == ("TOTAL_PASSED", True, True)
    assert r.indication_vi == "Hợp lệ, có lưu ý"
    assert r.caveats[0].startswith("Thời điểm ký chưa được chứng thực")
    assert (
        "do máy của người ký tự ghi" in r.caveats[0]
        and "Lưu ý: Thời điểm ký chưa được chứng thực" in r.message
    )
    outside = verify_one(samples.signed_bb, _window(-10, -5))
    assert (
        outside.sub_indication == "SIG_CONSTRAINTS_FAILURE"
        and "do máy của người ký tự ghi" in outside.message
    )
    # No window, no remark: the signing time does not matter to that policy.
    assert verify_one(samples.signed_bb).caveats == []


def test_policy_may_require_a_trusted_timestamp(samples: Samples, verify_one: VerifyFn) -> None:
    strict = _window(-1, 1, without_timestamp="indeterminate")
    r = verify_one(samples.signed_bb, strict)
    assert (r.indication, r.sub_indication, r.accepted) == ("INDETERMINATE", "NO_POE", False)
    assert "Thời điểm ký chưa được chứng thực" in r.message
    assert r.action and "dấu thời gian" in r.action
    assert verify_one(samples.signed, strict).indication == "TOTAL_PASSED"
