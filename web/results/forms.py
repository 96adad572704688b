from __future__ import annotations

from typing import Any

from django import forms

from web.evidence.forms import MultipleFileField


class ScoresForm(forms.Form):
    files = MultipleFileField(
        label="Dữ liệu điểm",
        help_text="Một tệp CSV (mỗi dòng một chỉ số của một đơn vị), hoặc các biểu mẫu Excel (.xlsx) các đơn vị đã "
        "điền (chọn nhiều tệp, kèm tiep_nhan.csv nếu có), hoặc một tệp ZIP chứa các biểu mẫu đó.",
    )
    pdf = forms.BooleanField(
        label="Kèm bản PDF của Tờ trình, Quyết định và các thông báo (chậm hơn; cần để trình ký, ban hành)",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].widget.attrs.update({"accept": ".csv,.xlsx,.zip,text/csv,application/zip"})
