"""The fixed forms of the campaign pages: create, import a YAML file, edit the YAML text, import units."""

from __future__ import annotations

from typing import Any

from django import forms

from letters.usecases.documents import bundled_examples

MAX_YAML_BYTES = 2 * 1024 * 1024


def read_yaml_upload(upload: Any) -> str:
    """The uploaded campaign file's text exactly as it is (line ends and a BOM kept), or a Vietnamese error."""
    name = (upload.name or "").lower()
    if not name.endswith((".yaml", ".yml")):
        raise forms.ValidationError("Chỉ nhận tệp hồ sơ chiến dịch YAML (.yaml hoặc .yml).")
    if upload.size > MAX_YAML_BYTES:
        raise forms.ValidationError(f"Tệp lớn hơn {MAX_YAML_BYTES // (1024 * 1024)} MB.")
    data = upload.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise forms.ValidationError(
            "Tệp không phải văn bản UTF-8; hãy lưu lại tệp với mã hoá UTF-8."
        ) from None
    if "\x00" in text:
        raise forms.ValidationError("Tệp có ký tự không hợp lệ (không phải tệp văn bản).")
    return text


class YamlFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload is None:
            return None
        return read_yaml_upload(upload)


class NewCampaignForm(forms.Form):
    name = forms.CharField(
        label="Tên đợt đánh giá",
        max_length=255,
        help_text="Như câu văn ghi sau «Kế hoạch …», ví dụ «đánh giá, xếp hạng mức độ chuyển đổi số các cơ quan "
        "nhà nước tỉnh Phú Thọ năm 2026».",
    )
    year = forms.IntegerField(label="Năm đánh giá", min_value=2015, max_value=2100)


def _example_choices() -> list[tuple[str, str]]:
    import yaml

    out = []
    for path in bundled_examples():
        try:
            info = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("campaign") or {}
            label = f"{path.stem}: {info.get('name', '')}".strip(": ")
        except (OSError, yaml.YAMLError, AttributeError):
            label = path.stem
        out.append((path.name, label))
    return out


class ExampleForm(forms.Form):
    example = forms.ChoiceField(label="Hồ sơ mẫu", choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["example"].choices = _example_choices()


class ImportForm(forms.Form):
    file = YamlFileField(label="Tệp hồ sơ chiến dịch (.yaml)")


class YamlTextForm(forms.Form):
    source = forms.CharField(
        label="Nội dung tệp YAML",
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 30, "class": "code yaml-source", "spellcheck": "false"}),
    )


class UnitsImportForm(forms.Form):
    file = forms.FileField(label="Tệp danh sách đơn vị (.xlsx hoặc .csv)")
    mode = forms.ChoiceField(
        label="Cách nhập",
        choices=[
            ("replace", "Thay toàn bộ danh sách đơn vị của nhóm"),
            ("append", "Thêm vào cuối danh sách"),
        ],
        initial="replace",
        widget=forms.RadioSelect,
    )
