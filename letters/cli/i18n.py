"""Click's own words (usage lines, built-in options, usage errors) in Vietnamese.

Click passes every message through gettext; users of vanban read Vietnamese only, so the
messages they can meet are translated here and installed into click's modules at start-up.
Placeholders stay as click formats them.
"""

from __future__ import annotations

import importlib

MESSAGES: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tuỳ chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Aborted!": "Đã dừng.",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Gõ «{command} {option}» để xem hướng dẫn.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tuỳ chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing command.": "Thiếu tên lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tuỳ chọn {name!r}.",
    "Option {name!r} does not take a value.": "Tuỳ chọn {name!r} không nhận giá trị.",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} không ghi được.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "required": "bắt buộc",
    "deprecated": "không còn dùng",
    "(dynamic)": "(tuỳ lúc chạy)",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải giá trị đúng/sai hợp lệ. Các giá trị nhận: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "unknown error": "lỗi không rõ",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "text": "văn bản",
    "integer": "số nguyên",
    "float": "số",
    "boolean": "đúng/sai",
    "choice": "lựa chọn",
}

PLURALS: dict[str, str] = {
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Option {name!r} requires an argument.": "Tuỳ chọn {name!r} cần một giá trị.",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "{len_type} values are required, but {len_value} was given.": "Cần {len_type} giá trị nhưng chỉ có {len_value}.",
    "{value!r} is not {choice}.": "{value!r} không hợp lệ; chỉ nhận {choice}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
}
PLURALS_MANY: dict[str, str] = {
    "Got unexpected extra arguments ({args})": "Thừa tham số ({args})",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Option {name!r} requires {nargs} arguments.": "Tuỳ chọn {name!r} cần {nargs} giá trị.",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "{len_type} values are required, but {len_value} were given.": "Cần {len_type} giá trị nhưng có {len_value}.",
    "{value!r} is not one of {choices}.": "{value!r} không hợp lệ; chỉ nhận một trong {choices}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng các dạng {formats}.",
}

_MODULES = (
    "click.core",
    "click.exceptions",
    "click.formatting",
    "click.decorators",
    "click.types",
    "click.parser",
    "click.termui",
    "click.utils",
)


class _Noun(str):
    """A noun click capitalises with str.title() ("Thư Mục"): only its first letter goes upper case."""

    def title(self) -> str:
        return self[:1].upper() + self[1:]


_NOUNS = frozenset({"file", "directory", "path"})


def gettext(message: str) -> str:
    text = MESSAGES.get(message, message)
    return _Noun(text) if message in _NOUNS else text


def ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get(singular, singular) if n == 1 else PLURALS_MANY.get(plural, plural)


def install() -> None:
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# Argument names as the usage line shows them ("vanban render TỆP_CHIẾN_DỊCH").
METAVARS: dict[str, str] = {
    "campaign": "TỆP_CHIẾN_DỊCH",
    "campaign_file": "TỆP_CHIẾN_DỊCH",
    "scores": "ĐIỂM",
    "sets": "BỘ_CHỈ_SỐ",
    "paths": "ĐƯỜNG_DẪN",
    "cert_file": "TỆP_CHỨNG_THƯ",
    "out_file": "TỆP_RA",
    "input_pdf": "PDF_VÀO",
    "output_pdf": "PDF_RA",
    "signed_pdf": "PDF_ĐÃ_KÝ",
    "out_dir": "THƯ_MỤC",
}

# Option values as help pages show them ("--tsa URL"), instead of click's type names (TEXT, INTEGER RANGE).
OPTION_METAVARS: dict[str, str] = {
    "tsa_url": "URL",
    "token_label": "NHÃN",
    "key_label": "NHÃN",
    "cert_label": "NHÃN",
    "reference": "SỐ_KÝ_HIỆU",
    "signer_name": "HỌ_TÊN",
    "deadline": "NGÀY",
    "date_text": "NGÀY",
    "expected": "DẤU_VÂN_TAY",
    "seed": "SỐ",
    "jobs": "SỐ",
    "seal_size": "MM",
    "pkcs11_module": "TỆP",
    "p12": "TỆP",
    "log_file": "TỆP",
}


def _number_text(value: float | int) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", ",")


def _describe_range_vi(kind: object) -> str:
    """ "từ 10 đến 80", "từ 1 trở lên": a number range as help pages and errors state it."""
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    low_open, high_open = getattr(kind, "min_open", False), getattr(kind, "max_open", False)
    if low is not None and high is not None:
        if not low_open and not high_open:
            return f"từ {_number_text(low)} đến {_number_text(high)}"
        left = "lớn hơn" if low_open else "từ"
        right = "nhỏ hơn" if high_open else "không quá"
        return f"{left} {_number_text(low)}, {right} {_number_text(high)}"
    if low is not None:
        return f"lớn hơn {_number_text(low)}" if low_open else f"từ {_number_text(low)} trở lên"
    if high is not None:
        return f"nhỏ hơn {_number_text(high)}" if high_open else f"không quá {_number_text(high)}"
    return ""


def _type_metavar(param: object) -> str | None:
    import click

    kind = getattr(param, "type", None)
    if isinstance(kind, click.Choice):
        return None  # click shows the choices themselves: [B-B|B-T|B-LT]
    if isinstance(kind, click.Path):
        if kind.file_okay and not kind.dir_okay:
            return "TỆP"
        if kind.dir_okay and not kind.file_okay:
            return "THƯ_MỤC"
        return "ĐƯỜNG_DẪN"
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "SỐ"
    if isinstance(kind, click.types.StringParamType):
        return "GIÁ_TRỊ"
    return None


def _localise_type(param: object) -> None:
    """Number types name themselves in English in errors ("is not a valid integer") and ranges in notation."""
    import click

    kind = getattr(param, "type", None)
    if isinstance(kind, click.types._NumberRangeBase):
        described = _describe_range_vi(kind)
        kind._describe_range = lambda: described  # type: ignore[method-assign]
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        if kind is click.INT or kind is click.FLOAT:
            kind = type(kind)()  # the shared instances stay as click made them
            param.type = kind  # type: ignore[attr-defined]
        kind.name = "số nguyên" if isinstance(kind, click.types.IntParamType) else "số"


def localise_usage(command: object) -> None:
    """Vietnamese placeholders in usage lines and help pages, for a command and everything under it."""
    import click

    if not isinstance(command, click.Command):
        return
    command.options_metavar = "[TUỲ_CHỌN]"
    if isinstance(command, click.Group):
        command.subcommand_metavar = "LỆNH [THAM_SỐ]..."
        for sub in command.commands.values():
            localise_usage(sub)
    for param in command.params:
        _localise_type(param)
        if param.metavar is not None:
            continue
        if isinstance(param, click.Argument) and param.name in METAVARS:
            param.metavar = METAVARS[param.name] + ("..." if param.nargs == -1 else "")
        elif isinstance(param, click.Option) and not param.is_flag:
            name = param.name or ""
            param.metavar = OPTION_METAVARS.get(name) or _type_metavar(param)
