from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.safestring import mark_safe

from letters.usecases.documents import CampaignUnit

ALL_UNITS_CHOICE = "__tat_ca__"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Chưa chọn tệp nào.",
                "empty": "Tệp rỗng (0 byte).",
                "invalid": "Không đọc được tệp.",
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class UnitSelect(forms.Select):
    """The units' drop-down written here rather than through Django's widget templates: a province has 250 units,
    and a template per option was most of the upload page's time."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {"" if value is None else str(value)} if not isinstance(value, list | tuple) else set(value)

        def option(key: Any, label: Any) -> str:
            selected = " selected" if str(key) in chosen else ""
            return f'<option value="{escape(key)}"{selected}>{escape(label)}</option>'

        parts = []
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                inner = "".join(option(k, v) for k, v in label)
                parts.append(f'<optgroup label="{escape(key)}">{inner}</optgroup>')
            else:
                parts.append(option(key, label))
        attributes = "".join(
            f" {k}" if v is True else f' {k}="{escape(v)}"'
            for k, v in final.items()
            if v is not None and v is not False
        )
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(parts)}</select>')


class UploadForm(forms.Form):
    unit = forms.ChoiceField(
        label="Đơn vị",
        widget=UnitSelect,
        error_messages={
            "required": "Chọn đơn vị gửi tệp.",
            "invalid_choice": "Đơn vị không có trong đợt này.",
        },
    )
    files = MultipleFileField(
        label="Tệp PDF hoặc ZIP",
        help_text="Chọn một hoặc nhiều tệp. Tệp ZIP được giải nén khi kiểm tra, với các giới hạn an toàn.",
    )

    def __init__(self, *args: Any, units: list[CampaignUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for unit in units:
            groups.setdefault(unit.tier_name, []).append((unit.key, unit.name))
        self.fields["unit"].choices = [
            ("", "— Chọn đơn vị —"),
            (ALL_UNITS_CHOICE, "Tất cả đơn vị: tệp ZIP, mỗi thư mục cấp một là một đơn vị"),
            *groups.items(),
        ]
        self.fields["files"].widget.attrs.update({"accept": ".pdf,.zip,application/pdf,application/zip"})


class PolicyForm(forms.Form):
    text = forms.CharField(
        label="Chính sách kiểm tra (YAML)",
        required=False,
        strip=False,  # YAML: leading spaces are structure, and the text is kept as the user wrote it
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code", "id": "id_policy"}),
        help_text="Để trống để dùng chính sách mặc định (chặt chẽ nhất). Tên tệp chứng thư, tệp CRL ghi trong "
        "chính sách là tên các tệp đã tải lên ở dưới.",
    )


class PolicyFileForm(forms.Form):
    file = forms.FileField(
        label="Tệp chứng thư gốc hoặc danh sách thu hồi (CRL)",
        error_messages={"required": "Chưa chọn tệp.", "empty": "Tệp rỗng (0 byte)."},
    )


class LetterForm(forms.Form):
    deadline = forms.DateField(
        label="Hạn nộp lại (không bắt buộc)",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm."},
    )


TRUST_SUFFIXES = (".cer", ".crt", ".pem")


class TrustedRootForm(forms.Form):
    file = forms.FileField(
        label="Tệp chứng thư gốc (.cer, .crt, .pem)",
        error_messages={"required": "Chưa chọn tệp chứng thư.", "empty": "Tệp rỗng (0 byte)."},
    )
    sha256 = forms.CharField(
        label="Dấu vân tay SHA-256 đã đối chiếu (không bắt buộc với chứng thư gốc đã ghim sẵn)",
        required=False,
        max_length=120,
        help_text="Với chứng thư không thuộc các chứng thư gốc của Việt Nam đã ghim sẵn: đối chiếu dấu vân tay "
        "SHA-256 trên trang chính thức của tổ chức chứng thực rồi nhập vào đây (64 ký tự, có thể có dấu hai chấm).",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_sha256(self) -> str:
        text = str(self.cleaned_data.get("sha256") or "").replace(":", "").replace(" ", "").upper()
        if text and (len(text) != 64 or any(c not in "0123456789ABCDEF" for c in text)):
            raise forms.ValidationError("Dấu vân tay SHA-256 gồm 64 chữ số hệ mười sáu (0–9, A–F).")
        return text
