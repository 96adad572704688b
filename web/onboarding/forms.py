from __future__ import annotations

import json
from typing import Any

from django import forms

from web.onboarding.services import SO_APPRAISERS_DEFAULT, SO_APPRAISERS_MAX


class IssueForm(forms.Form):
    so_appraisers = forms.IntegerField(
        label="Số tài khoản thẩm định viên của Sở",
        min_value=0,
        max_value=SO_APPRAISERS_MAX,
        initial=SO_APPRAISERS_DEFAULT,
        help_text="Các chuyên viên của Sở thẩm định những nhóm đơn vị do Sở thẩm định. Số tài khoản đã có được "
        "tính vào con số này.",
        error_messages={
            "required": "Hãy ghi số tài khoản thẩm định viên của Sở (ghi 0 nếu không cần).",
            "invalid": "Ghi một số nguyên, ví dụ 2.",
            "min_value": "Số tài khoản không được âm.",
            "max_value": f"Mỗi lần cấp nhiều nhất {SO_APPRAISERS_MAX} tài khoản thẩm định viên của Sở.",
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": SO_APPRAISERS_MAX, "class": "short"}),
    )


class AssignmentForm(forms.Form):
    """What one appraiser appraises: the tiers (none ticked: every tier they may appraise) and the main indices
    (none ticked: all of them). `seen` is what the page showed, so a change made meanwhile is not overwritten."""

    tiers = forms.MultipleChoiceField(
        label="Nhóm đơn vị", required=False, widget=forms.CheckboxSelectMultiple
    )
    indices = forms.MultipleChoiceField(
        label="Chỉ số chính", required=False, widget=forms.CheckboxSelectMultiple
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        tier_choices: list[tuple[str, str]],
        index_choices: list[tuple[str, str]],
        allowed_tiers: set[str] | None = None,
        parent_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tiers"].choices = tier_choices
        self.fields["indices"].choices = index_choices
        self.fields["tiers"].error_messages["invalid_choice"] = (
            "Nhóm đơn vị «%(value)s» không có trong đợt này."
        )
        self.fields["indices"].error_messages["invalid_choice"] = "Chỉ số «%(value)s» không có trong đợt này."
        self.allowed_tiers = allowed_tiers
        self.parent_name = parent_name
        if allowed_tiers is not None:
            self.fields["tiers"].error_messages["invalid_choice"] = self._restriction()

    def clean_tiers(self) -> list[str]:
        tiers: list[str] = list(self.cleaned_data.get("tiers") or [])
        if self.allowed_tiers is not None and any(t not in self.allowed_tiers for t in tiers):
            raise forms.ValidationError(self._restriction())
        return tiers

    def _restriction(self) -> str:
        names = ", ".join(str(label) for _, label in self.fields["tiers"].choices)
        return f"Thẩm định viên của {self.parent_name} chỉ thẩm định các đơn vị trực thuộc ({names})."

    @staticmethod
    def seen_value(tiers: list[str], indices: list[str]) -> str:
        return json.dumps({"tiers": sorted(tiers), "indices": sorted(indices)}, sort_keys=True)


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Họ và tên",
        max_length=255,
        required=False,
        help_text="Tên hiện ở đầu trang và trong lịch sử thao tác, thay cho tên đăng nhập.",
        error_messages={"max_length": "Họ và tên dài quá 255 ký tự."},
    )
    email = forms.EmailField(
        label="Thư điện tử",
        required=False,
        help_text="Hệ thống gửi thư nhắc hạn nộp và thông báo kết quả đến địa chỉ này.",
        error_messages={"invalid": "Địa chỉ thư điện tử không đúng dạng (ví dụ: vanthu@phutho.gov.vn)."},
    )
