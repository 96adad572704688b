"""The deadline pages' forms: dates typed as users write them (dd/mm/yyyy) or picked in the browser (yyyy-mm-dd),
every mistake said in Vietnamese beside its field."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django import forms

from letters.core.vn import DateFormatError, parse_date
from web.deadlines.services import PHASES


class VnDateField(forms.CharField):
    widget = forms.DateInput(attrs={"type": "date"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": "Hãy chọn ngày."})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_date(text)
        except DateFormatError as exc:
            raise forms.ValidationError(exc.message[0].upper() + exc.message[1:] + ".") from None


class ExtensionForm(forms.Form):
    phase = forms.ChoiceField(
        label="Giai đoạn",
        choices=list(PHASES.items()),
        error_messages={
            "required": "Hãy chọn giai đoạn cần gia hạn.",
            "invalid_choice": "Giai đoạn không hợp lệ.",
        },
    )
    until = VnDateField(
        label="Gia hạn đến hết ngày",
        help_text="Biểu mẫu của đơn vị mở đến 24 giờ 00 ngày này (giờ Việt Nam).",
    )
    reason = forms.CharField(
        label="Lý do gia hạn",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Hãy ghi lý do gia hạn."},
        help_text="Ghi căn cứ, ví dụ: đơn vị có văn bản đề nghị gia hạn số …, sự cố hệ thống ngày …",
    )


class RevokeForm(forms.Form):
    phase = forms.ChoiceField(choices=list(PHASES.items()), widget=forms.HiddenInput)
    revoke_reason = forms.CharField(
        label="Lý do thu hồi gia hạn",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Hãy ghi lý do thu hồi gia hạn."},
    )


_TIME = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")


class ClockForm(forms.Form):
    day = VnDateField(label="Ngày")
    at = forms.CharField(
        label="Giờ (giờ Việt Nam)",
        initial="08:00",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"required": "Hãy nhập giờ, ví dụ 08:00."},
    )

    def clean_at(self) -> time:
        text = self.cleaned_data["at"]
        m = _TIME.match(text)
        if not m or not (0 <= int(m.group(1)) < 24 and 0 <= int(m.group(2)) < 60):
            raise forms.ValidationError(f"«{text}» không phải là giờ hợp lệ; hãy ghi giờ:phút, ví dụ 08:00.")
        return time(int(m.group(1)), int(m.group(2)))
