"""Forms of the issuance pages; every message Vietnamese, next to its field."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from letters.core.errors import VanbanError
from letters.core.vn import vn_today
from web.accounts.models import Role
from web.issuance.models import IssuanceSettings, SigningKey, validate_env_name

MAX_KEY_BYTES = 1024 * 1024
MAX_IMAGE_BYTES = 2 * 1024 * 1024
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class SubmitForm(forms.Form):
    note = forms.CharField(
        label="Ghi chú khi trình (không bắt buộc)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "id": "id_note"}),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Ý kiến (vì sao trả lại, cần sửa gì)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "id": "id_comment"}),
        error_messages={"required": "Ghi ý kiến để chuyên viên biết cần sửa gì."},
    )


class UploadSignedForm(forms.Form):
    signed_file = forms.FileField(
        label="Tệp PDF đã ký số",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf", "id": "id_signed_file"}),
        error_messages={"required": "Chọn tệp PDF đã ký."},
    )


class ServerSignForm(forms.Form):
    key = forms.ModelChoiceField(
        label="Khoá ký số trên máy chủ",
        queryset=SigningKey.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"id": "id_key"}),
        error_messages={"invalid_choice": "Chọn một khoá trong danh sách."},
    )

    def __init__(self, *args: Any, keys: list[SigningKey], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].queryset = SigningKey.objects.filter(pk__in=[k.pk for k in keys])  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    issue_date = forms.DateField(
        label="Ngày ban hành",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", "id": "id_issue_date"}, format="%Y-%m-%d"),
        error_messages={"required": "Chọn ngày ban hành.", "invalid": "Ngày không hợp lệ (ngày/tháng/năm)."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"issue_date": vn_today()})
        super().__init__(*args, **kwargs)

    def clean_issue_date(self) -> Any:
        value = self.cleaned_data["issue_date"]
        if value > vn_today():
            raise forms.ValidationError("Ngày ban hành không được sau hôm nay.")
        return value


def _check_png(upload: Any, what: str) -> bytes:
    """The picture's bytes, refused unless the signing use case can place it (a PNG it can read)."""
    from letters.usecases.signing import read_image

    if upload.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(f"Ảnh {what} quá lớn (tối đa 2 MB).")
    data = upload.read()
    with tempfile.TemporaryDirectory(prefix="vanban-anh-") as tmp:
        path = Path(tmp) / "anh.png"
        path.write_bytes(data)
        try:
            read_image(path)
        except VanbanError as exc:
            raise forms.ValidationError(f"Ảnh {what} không dùng được: {exc.message}") from None
    return data


def certificate_names(data: bytes) -> list[str]:
    """The subjects of the certificates in a PEM or DER file; empty when there is none."""
    from cryptography import x509

    try:
        certs = (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        return []
    return [c.subject.rfc4514_string() for c in certs]


class KeyForm(forms.Form):
    name = forms.CharField(
        label="Tên khoá",
        max_length=200,
        widget=forms.TextInput(attrs={"id": "id_key_name"}),
        error_messages={"required": "Đặt tên cho khoá (ví dụ: Giám đốc Nguyễn Văn A, hoặc Cơ quan)."},
    )
    purpose = forms.ChoiceField(
        label="Dùng để", choices=SigningKey.Purpose.choices, widget=forms.Select(attrs={"id": "id_purpose"})
    )
    kind = forms.ChoiceField(
        label="Loại khoá", choices=SigningKey.Kind.choices, widget=forms.Select(attrs={"id": "id_kind"})
    )
    owner = forms.ModelChoiceField(
        label="Lãnh đạo dùng khoá (với khoá ký duyệt)",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Mọi lãnh đạo Sở",
        widget=forms.Select(attrs={"id": "id_owner"}),
    )
    p12_file = forms.FileField(
        label="Tệp khoá PKCS#12 (.p12, .pfx)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx", "id": "id_p12_file"}),
    )
    password_env = forms.CharField(
        label="Biến môi trường chứa mật khẩu tệp khoá",
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"id": "id_password_env", "placeholder": "VANBAN_P12_PASSWORD"}),
        help_text="Mật khẩu không lưu trong cơ sở dữ liệu: đặt biến môi trường này cho dịch vụ vanban.",
    )
    pkcs11_module = forms.CharField(
        label="Thư viện PKCS#11 của token (.so)",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"id": "id_pkcs11_module"}),
    )
    token_label = forms.CharField(
        label="Nhãn token",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "id_token_label"}),
    )
    key_label = forms.CharField(
        label="Nhãn khoá",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "id_key_label"}),
    )
    cert_label = forms.CharField(
        label="Nhãn chứng thư (nếu khác nhãn khoá)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "id_cert_label"}),
    )
    pin_env = forms.CharField(
        label="Biến môi trường chứa mã PIN",
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"id": "id_pin_env", "placeholder": "VANBAN_PIN"}),
    )
    image = forms.FileField(
        label="Ảnh chữ ký (PNG nền trong, với khoá ký duyệt)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".png,image/png", "id": "id_image"}),
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(  # type: ignore[attr-defined]
            profile__agency_id=agency_id, profile__role=Role.SO_LEADER
        )
        self.image_bytes: bytes | None = None
        self.p12_bytes: bytes | None = None
        self.warnings: list[str] = []

    def _env(self, name: str, required_message: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            self.add_error(name, required_message)
            return ""
        try:
            validate_env_name(value)
        except forms.ValidationError as exc:
            self.add_error(name, exc)
            return ""
        if not os.environ.get(value):
            self.warnings.append(
                f"Biến môi trường {value} chưa được đặt trên máy chủ này: đặt trước khi dùng khoá."
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("purpose") == SigningKey.Purpose.AGENCY and data.get("owner"):
            self.add_error("owner", "Khoá của cơ quan không thuộc riêng lãnh đạo nào; để trống ô này.")
        if data.get("kind") == SigningKey.Kind.PKCS12:
            upload = data.get("p12_file")
            if upload is None:
                self.add_error("p12_file", "Chọn tệp khoá PKCS#12.")
            elif upload.size > MAX_KEY_BYTES:
                self.add_error("p12_file", "Tệp khoá quá lớn (tối đa 1 MB): đây không phải tệp PKCS#12.")
            else:
                self.p12_bytes = upload.read()
            data["password_env"] = self._env("password_env", "Ghi tên biến môi trường chứa mật khẩu.")
            if self.p12_bytes is not None and data["password_env"] and os.environ.get(data["password_env"]):
                self._check_p12(self.p12_bytes, os.environ[data["password_env"]])
        elif data.get("kind") == SigningKey.Kind.PKCS11:
            for name, message in (
                ("pkcs11_module", "Ghi đường dẫn thư viện PKCS#11 của token."),
                ("token_label", "Ghi nhãn token."),
                ("key_label", "Ghi nhãn khoá trên token."),
            ):
                if not (data.get(name) or "").strip():
                    self.add_error(name, message)
            module = (data.get("pkcs11_module") or "").strip()
            if module and (not os.path.isabs(module) or not os.path.isfile(module)):
                self.add_error(
                    "pkcs11_module", "Không có tệp thư viện này trên máy chủ (ghi đường dẫn đầy đủ)."
                )
            data["pin_env"] = self._env("pin_env", "Ghi tên biến môi trường chứa mã PIN.")
        if data.get("image") is not None:
            try:
                self.image_bytes = _check_png(data["image"], "chữ ký")
            except forms.ValidationError as exc:
                self.add_error("image", exc)
        elif data.get("purpose") == SigningKey.Purpose.SIGNER:
            self.add_error("image", "Khoá ký duyệt cần ảnh chữ ký (Nghị định 30: hình chữ ký trên văn bản).")
        return data

    def _check_p12(self, data: bytes, password: str) -> None:
        from cryptography.hazmat.primitives.serialization import pkcs12

        try:
            _, cert, _ = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
        except ValueError:
            self.add_error(
                "p12_file",
                "Không mở được tệp khoá bằng mật khẩu trong biến môi trường (sai mật khẩu hoặc tệp hỏng).",
            )
            return
        if cert is None:
            self.add_error("p12_file", "Tệp khoá không có chứng thư số.")


class SettingsForm(forms.Form):
    agency_key = forms.ModelChoiceField(
        label="Khoá ký số của cơ quan (văn thư dùng khi ban hành)",
        queryset=SigningKey.objects.none(),
        required=False,
        empty_label="(chưa chọn)",
        widget=forms.Select(attrs={"id": "id_agency_key"}),
    )
    seal = forms.FileField(
        label="Ảnh con dấu (PNG nền trong, màu đỏ)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".png,image/png", "id": "id_seal"}),
    )
    trust = forms.FileField(
        label="Chứng thư gốc tin cậy để kiểm tra chữ ký của lãnh đạo (PEM hoặc DER)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pem,.crt,.cer,.der", "id": "id_trust"}),
    )
    level = forms.ChoiceField(
        label="Mức chữ ký số",
        choices=IssuanceSettings.Level.choices,
        widget=forms.Select(attrs={"id": "id_level"}),
    )
    tsa_url = forms.URLField(
        label="Dịch vụ cấp dấu thời gian (TSA), với mức B-T, B-LT",
        required=False,
        widget=forms.URLInput(attrs={"id": "id_tsa_url"}),
        assume_scheme="http",
        error_messages={"invalid": "Địa chỉ không hợp lệ (ví dụ http://tsa.ca.gov.vn)."},
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_key"].queryset = SigningKey.objects.filter(  # type: ignore[attr-defined]
            agency_id=agency_id, purpose=SigningKey.Purpose.AGENCY, active=True
        )
        self.seal_bytes: bytes | None = None
        self.trust_bytes: bytes | None = None

    def clean_seal(self) -> Any:
        upload = self.cleaned_data.get("seal")
        if upload is not None:
            self.seal_bytes = _check_png(upload, "con dấu")
        return upload

    def clean_trust(self) -> Any:
        upload = self.cleaned_data.get("trust")
        if upload is not None:
            if upload.size > MAX_KEY_BYTES:
                raise forms.ValidationError("Tệp chứng thư quá lớn (tối đa 1 MB).")
            data = upload.read()
            if not certificate_names(data):
                raise forms.ValidationError("Tệp không chứa chứng thư số nào (cần tệp .pem, .crt hoặc .cer).")
            self.trust_bytes = data
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("level") in ("B-T", "B-LT") and not data.get("tsa_url"):
            self.add_error("tsa_url", "Mức B-T, B-LT cần địa chỉ dịch vụ cấp dấu thời gian.")
        return data
