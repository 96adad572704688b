"""Shared fixtures for the verification tests: signed samples made with the demo PKI (no tests here).

Use with `pytest_plugins = ("tests.pki_fixtures", "tests.test_verify_fixtures")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from signing.demo import attacks
from signing.demo.pki import AGENCY, DIRECTOR, DemoPKI
from signing.verify.api import VerifyRun, verify_evidence
from signing.verify.model import FileResult
from signing.verify.policy import Policy
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"


@dataclass
class Samples:
    pki: DemoPKI
    base: bytes
    signed: bytes  # director, PAdES B-T (TSA of the demo PKI)
    signed_bb: bytes  # director, PAdES B-B

    def signer(self, label: str = DIRECTOR) -> object:
        return attacks.load_signer(self.pki.p12_path(label), self.pki.password)

    def sign(self, data: bytes | None = None, label: str = DIRECTOR, **kwargs: object) -> bytes:
        return attacks.sign_bytes(data if data is not None else self.base, self.signer(label), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def samples(pki_server: DemoPKI) -> Samples:
    pki = pki_server
    base = attacks.sample_pdf()
    signer = attacks.load_signer(pki.director_p12, pki.password)
    return Samples(
        pki=pki,
        base=base,
        signed=attacks.sign_bytes(base, signer, tsa_url=pki.tsa_url),
        signed_bb=attacks.sign_bytes(base, signer),
    )


VerifyFn = Callable[..., FileResult]


@pytest.fixture()
def verify_one(samples: Samples, tmp_path: Path) -> VerifyFn:
    """Write `data` to a file and verify it in-process with the demo root trusted."""
    counter = {"n": 0}

    def run(
        data: bytes, policy: Policy | None = None, *, name: str = "tep.pdf", jobs: int = 0, trust: bool = True
    ) -> FileResult:
        counter["n"] += 1
        folder = tmp_path / f"case{counter['n']}" / "Đơn vị thử"
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        result: VerifyRun = verify_evidence(
            [folder.parent],
            policy=policy or Policy(use_trust_store=False),
            trust=[samples.pki.root_path] if trust else [],
            jobs=jobs,
        )
        assert len(result.results) == 1
        return result.results[0]

    return run


__all__ = ["AGENCY", "CORPUS", "DIRECTOR", "Samples", "samples", "verify_one"]
