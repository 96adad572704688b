"""The campaign file's model: who issues, on what legal bases, which units, which phases and deadlines.

Field names are English identifiers; each carries a Vietnamese title that messages show to users.
"""

from __future__ import annotations

import calendar as _calendar
import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from letters.core import vn as cal
from letters.core.validation import OptDate, VnDate
from letters.core.vn import slugify


def _to_text(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        raise ValueError(
            f"giá trị bị YAML đọc thành số ({value!r}), có thể đã mất số 0 ở đầu; "
            'hãy đặt trong ngoặc kép đúng như cần in, ví dụ "0254.3512226"'
        )
    return value


Text = Annotated[str, BeforeValidator(_to_text)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CampaignKind(StrEnum):
    DTI = "DTI"
    CQDT = "CQĐT"


# What a campaign of each kind is called when the file does not say: a CQĐT campaign never says "DTI".
KIND_DEFAULTS: dict[CampaignKind, dict[str, str]] = {
    CampaignKind.DTI: {
        "index_name": "chỉ số DTI",
        "topic": "chuyển đổi số",
        "index_set": "Bộ chỉ số đánh giá chuyển đổi số",
    },
    CampaignKind.CQDT: {
        "index_name": "mức độ Chính quyền điện tử",
        "topic": "Chính quyền điện tử",
        "index_set": "Bộ tiêu chí đánh giá mức độ Chính quyền điện tử",
    },
}


class Accounts(Model):
    """Accounts on the online system: who gets how many, and where the list is sent."""

    staff: int = Field(
        1,
        title="số tài khoản chuyên viên của mỗi đơn vị",
        description="tài khoản nhập kết quả tự đánh giá",
        ge=0,
    )
    leader: int = Field(
        1, title="số tài khoản lãnh đạo của mỗi đơn vị", description="tài khoản duyệt, xác nhận kết quả", ge=0
    )
    appraiser: int = Field(
        1,
        title="số tài khoản của mỗi cơ quan thẩm định theo lĩnh vực",
        description="cấp cho các cơ quan trong mục appraisers",
        ge=0,
    )
    sent_with: Text | None = Field(
        None,
        title="tài liệu ghi danh sách tài khoản",
        description="ví dụ «Phụ lục danh sách tài khoản»; khi có, văn bản nhắc đơn vị đổi mật khẩu sau khi nhận",
    )


class CampaignInfo(Model):
    kind: CampaignKind = Field(
        CampaignKind.DTI,
        title="loại đợt đánh giá",
        description="DTI (chuyển đổi số) hoặc CQĐT (Chính quyền điện tử); quyết định tên chỉ số, lĩnh vực, tên "
        "bộ chỉ số khi không ghi",
    )
    year: int = Field(title="năm đánh giá", ge=2015, le=2100)
    name: Text = Field(title="tên đợt đánh giá", min_length=10)
    index_name: Text = Field(
        "chỉ số DTI",
        title="tên gọi của chỉ số trong câu văn",
        description="bỏ trống là «chỉ số DTI» (DTI) hoặc «mức độ Chính quyền điện tử» (CQĐT)",
    )
    topic: Text = Field(
        "chuyển đổi số",
        title="lĩnh vực đánh giá (chuyển đổi số, Chính quyền điện tử…)",
        description="bỏ trống là «chuyển đổi số» (DTI) hoặc «Chính quyền điện tử» (CQĐT)",
    )
    index_set: Text = Field(
        "Bộ chỉ số đánh giá chuyển đổi số",
        title="tên bộ chỉ số",
        description="bỏ trống là «Bộ chỉ số đánh giá chuyển đổi số» (DTI) hoặc «Bộ tiêu chí đánh giá mức độ "
        "Chính quyền điện tử» (CQĐT)",
    )
    scope: Text | None = Field(
        None,
        title="phạm vi đánh giá",
        description="bỏ trống là «các cơ quan nhà nước trên địa bàn tỉnh …» (hoặc «thành phố …», theo cơ quan "
        "chủ quản)",
    )
    late_rule: Literal["exclude", "last"] | None = Field(
        None,
        title="đơn vị nộp muộn: exclude (không chấm điểm) hoặc last (xếp cuối)",
        description="áp dụng cho đơn vị gửi kết quả sau hạn nộp; công văn nêu quy tắc này khi có ghi. Bỏ trống thì "
        "văn bản không nêu gì, còn khi xếp hạng đơn vị nộp muộn không được chấm điểm (như exclude). Đơn vị "
        "không gửi kết quả (hoặc chỉ gửi biểu mẫu không hợp lệ) luôn là «chưa nộp»: không được chấm điểm, xếp "
        "hạng, theo quy tắc nào cũng vậy",
    )
    evidence_rule: Text | None = Field(None, title="yêu cầu đối với tài liệu kiểm chứng")
    system_name: Text | None = Field(
        None,
        title="tên hệ thống đánh giá trực tuyến",
        description="bỏ trống là «Hệ thống đánh giá <tên chỉ số>» khi có địa chỉ hệ thống",
    )
    system_url: Text | None = Field(
        None,
        title="địa chỉ hệ thống đánh giá",
        description="có địa chỉ thì văn bản hướng dẫn tự đánh giá, thẩm định trên hệ thống; không có thì các "
        "đơn vị gửi kết quả bằng văn bản",
    )
    data_period_start: OptDate = Field(None, title="ngày bắt đầu kỳ số liệu")
    data_period_end: OptDate = Field(None, title="ngày kết thúc kỳ số liệu")
    accounts: Accounts | None = Field(None, title="tài khoản trên hệ thống đánh giá")
    steering_committee: Text | None = Field(
        None,
        title="Ban Chỉ đạo mà cơ quan ban hành là cơ quan thường trực",
        description="ví dụ «Ban Chỉ đạo Chuyển đổi số tỉnh Gia Lai»; công văn ghi đơn vị gửi kết quả về cơ quan "
        "thường trực của Ban",
    )
    submit_via: Text | None = Field(
        None,
        title="đường gửi văn bản kết quả",
        description="ví dụ «liên thông qua hệ thống Quản lý văn bản và điều hành»",
    )
    submit_email: Text | None = Field(
        None,
        title="thư điện tử nhận bản mềm kết quả",
        description="bỏ trống là thư điện tử của cơ quan ban hành (issuer.email)",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    )
    annexes_with: Literal["ke_hoach", "cong_van"] | None = Field(
        None,
        title="văn bản ban hành kèm theo biểu mẫu, phụ lục",
        description="ke_hoach hoặc cong_van: văn bản mà dòng «(Kèm theo … số …)» của mỗi Biểu số, Phụ lục "
        "ghi tên; bỏ trống là công văn hướng dẫn khi mục documents có cong_van, nếu không là Kế hoạch",
    )
    issue_year: int | None = Field(
        None,
        title="năm ban hành văn bản",
        description="năm ghi ở dòng ngày tháng của văn bản chưa có ngày ban hành; bỏ trống là năm đánh giá. "
        "Đợt đánh giá số liệu năm 2025 tổ chức trong năm 2026 ghi year: 2025, issue_year: 2026",
        ge=2015,
        le=2100,
    )

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            try:
                kind = CampaignKind(data.get("kind") or CampaignKind.DTI)
            except ValueError:
                return data  # the field's own error says which kinds exist
            data = dict(data)
            for key, value in KIND_DEFAULTS[kind].items():
                if data.get(key) is None:
                    data[key] = value
        return data

    @model_validator(mode="after")
    def _issue_after_assessment(self) -> CampaignInfo:
        # Results are published in the year assessed or the next one; an earlier year is a typo.
        if self.issue_year is not None and self.issue_year < self.year:
            raise ValueError(
                f"năm ban hành văn bản (issue_year: {self.issue_year}) trước năm đánh giá (year: {self.year})"
            )
        return self

    @property
    def document_year(self) -> int:
        """The year written on a document whose date is still blank ('ngày    tháng    năm 2026')."""
        return self.issue_year or self.year

    @property
    def late_policy(self) -> Literal["exclude", "last"]:
        """What the ranking does with late units: the campaign's rule, else exclusion."""
        return self.late_rule or "exclude"

    @property
    def system_title(self) -> str:
        """The online system's name as the letters write it."""
        return self.system_name or f"Hệ thống đánh giá {self.index_name}"


_CITY_PARENT = re.compile(r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+thành phố\b", re.IGNORECASE)
_PARENT_PLACE = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(tỉnh|thành phố)\s+(.+)$", re.IGNORECASE
)


class Issuer(Model):
    parent: Text = Field(title="tên cơ quan chủ quản")
    name: Text = Field(title="tên cơ quan ban hành")
    short_name: Text | None = Field(None, title="tên cơ quan dùng trong câu văn")
    abbreviation: Text = Field(title="chữ viết tắt của cơ quan", pattern=r"^[A-ZĐ0-9&]+$")
    drafting_unit: Text = Field(title="chữ viết tắt của đơn vị soạn thảo", pattern=r"^[A-ZĐa-zđ0-9&. ]+$")
    drafting_unit_name: Text | None = Field(None, title="tên đơn vị soạn thảo")
    place: Text = Field(title="địa danh ghi trên văn bản")
    head_title: Text = Field("Giám đốc", title="chức danh người đứng đầu")
    address: Text | None = Field(None, title="địa chỉ")
    phone: Text | None = Field(None, title="điện thoại")
    email: Text | None = Field(None, title="thư điện tử")
    province_kind: Literal["tỉnh", "thành phố"] | None = Field(
        None,
        title="tỉnh hay thành phố trực thuộc trung ương",
        description="bỏ trống thì suy ra từ cơ quan chủ quản («UBND thành phố Cần Thơ» là thành phố); văn bản "
        "ghi «trên địa bàn thành phố», «Chủ tịch UBND thành phố»",
    )

    @property
    def locality(self) -> str:
        """'tỉnh', or 'thành phố' for a thành phố trực thuộc trung ương (Hà Nội, Cần Thơ…)."""
        if self.province_kind:
            return self.province_kind
        return "thành phố" if _CITY_PARENT.match(self.parent) else "tỉnh"

    @property
    def locality_name(self) -> str:
        """'Bắc Giang' from 'UBND tỉnh Bắc Giang'; '' when the parent body names no place."""
        m = _PARENT_PLACE.match(self.parent)
        return m.group(2).strip() if m else ""

    @property
    def text_name(self) -> str:
        """The name as running text writes it ('Sở Thông tin và Truyền thông')."""
        if self.short_name:
            return self.short_name
        if self.name != self.name.upper():
            return self.name
        words = self.name.lower().split()
        return " ".join([words[0].capitalize(), *words[1:]]) if words else ""


class LegalBasis(Model):
    kind: Text = Field("Quyết định", title="loại văn bản căn cứ")
    number: Text = Field(title="số, ký hiệu văn bản căn cứ", pattern=r"^\S+/\S+$")
    date: VnDate = Field(title="ngày ban hành văn bản căn cứ")
    issuer: Text = Field(title="cơ quan, người ban hành văn bản căn cứ")
    title: Text = Field(title="trích yếu văn bản căn cứ")
    index_set: bool = Field(
        False,
        title="văn bản ban hành bộ chỉ số",
        description="đánh dấu văn bản ban hành bộ chỉ số các đơn vị tự đánh giá, khi căn cứ này không đứng "
        "đầu danh sách (căn cứ xếp theo hiệu lực: văn bản của Bộ trước, của tỉnh sau); bỏ trống là căn cứ đầu tiên",
    )
    cchc: bool = Field(
        False,
        title="văn bản ban hành Bộ chỉ số cải cách hành chính dùng kết quả đánh giá",
        description="công văn nêu cách quy đổi điểm (results.cchc_multiplier) theo văn bản này; văn bản này không "
        "nằm trong các căn cứ «Thực hiện …»",
    )
    item: Text | None = Field(
        None,
        title="mục của văn bản được nhắc đến",
        description="ví dụ «Mục 7 về Xây dựng và phát triển Chính quyền điện tử, Chính quyền số»",
    )

    @property
    def citation(self) -> str:
        """'Quyết định số 209/QĐ-UBND ngày 05/5/2023 của Ủy ban nhân dân tỉnh về việc …'."""
        return f"{self.kind} số {self.number} ngày {cal.short(self.date)} của {self.issuer} {self.title}"

    @property
    def short_citation(self) -> str:
        return f"{self.kind} số {self.number} ngày {cal.short(self.date)}"


class Unit(Model):
    name: Text = Field(title="tên đơn vị", min_length=2)
    id: Text | None = Field(None, title="mã đơn vị")
    parent: Text | None = Field(None, title="đơn vị cấp trên (cấp huyện thẩm định)")

    @property
    def key(self) -> str:
        return self.id or slugify(self.name)


def _unit(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class Tier(Model):
    id: Text = Field(title="mã nhóm đơn vị", pattern=r"^[a-z0-9_]+$")
    name: Text = Field(title="tên nhóm đơn vị")
    short: Text | None = Field(None, title="tên ngắn của nhóm (cấp sở, cấp huyện…)")
    agency: Text | None = Field(None, title="tên gọi chung một đơn vị của nhóm (UBND cấp huyện…)")
    form: Text | None = Field(
        None,
        title="biểu mẫu tự đánh giá",
        description="số hiệu biểu mẫu của nhóm, ví dụ «Biểu số 01»; bỏ trống là đánh số theo thứ tự nhóm; "
        '"" là nhóm không có biểu mẫu riêng',
    )
    annex: Text | None = Field(
        None,
        title="phụ lục hướng dẫn tài liệu kiểm chứng",
        description="số hiệu phụ lục của nhóm, ví dụ «Phụ lục I»; bỏ trống là đánh số theo thứ tự nhóm; "
        '"" là nhóm không có phụ lục riêng',
    )
    indicators: Text | None = Field(
        None,
        title="bộ chỉ số",
        description="mã một bộ chỉ số có sẵn (xem `vanban indicators`) hoặc đường dẫn tệp YAML bộ chỉ số, "
        "tính từ thư mục chứa tệp hồ sơ",
    )
    appraised_by: Text | None = Field(None, title="nhóm đơn vị thẩm định kết quả của nhóm này")
    published_by: Text | None = Field(
        None,
        title="nhóm đơn vị công bố kết quả của nhóm này",
        description="ví dụ cấp huyện công bố kết quả các xã trực thuộc; bỏ trống là kết quả do UBND tỉnh công bố",
    )
    units: list[Annotated[Unit, BeforeValidator(_unit)]] = Field(
        default_factory=list,
        title="danh sách đơn vị",
        description="mỗi đơn vị ghi tên trên một dòng, hoặc ghi các trường name, id, parent",
    )


class Phase(Model):
    id: Text = Field(title="mã giai đoạn", pattern=r"^[a-z0-9_]+$")
    name: Text = Field(title="tên giai đoạn")
    month: Text | None = Field(
        None,
        title="tháng thực hiện",
        description="ghi tháng/năm (06/2023) thay cho start và end khi văn bản chỉ ghi «Tháng 6/2023»; tính từ ngày "
        "đầu đến hết ngày cuối tháng",
        pattern=r"^\d{1,2}/\d{4}$",
    )
    start: OptDate = Field(None, title="ngày bắt đầu")
    end: VnDate = Field(title="ngày kết thúc")
    tiers: list[Text] = Field(default_factory=list, title="nhóm đơn vị áp dụng")
    lead: Text | None = Field(None, title="cơ quan chủ trì")
    partners: Text | None = Field(None, title="cơ quan phối hợp")

    @model_validator(mode="before")
    @classmethod
    def _month(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("month"):
            return data
        m = re.fullmatch(r"\s*(\d{1,2})/(\d{4})\s*", str(data["month"]))
        if m is None:
            return data  # the field's pattern reports it
        if data.get("start") or data.get("end"):
            raise ValueError("ghi «month» (cả tháng) hoặc «start», «end», không ghi cả hai")
        month, year = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"tháng {month} không có; ghi tháng từ 1 đến 12, ví dụ 06/{year}")
        last = _calendar.monthrange(year, month)[1]
        return {**data, "start": date(year, month, 1), "end": date(year, month, last)}

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start and end < start:
            name = info.data.get("name", "")
            raise ValueError(
                f"giai đoạn «{name}» kết thúc ngày {cal.short(end)} trước khi bắt đầu ngày {cal.short(start)}"
            )
        return end

    @property
    def days(self) -> int | None:
        return cal.inclusive_days(self.start, self.end) if self.start else None


DEADLINE_WHAT = {
    "results": "kết quả đánh giá, tài liệu kiểm chứng kèm theo văn bản",
    "focal_point": "danh sách cán bộ đầu mối (họ tên, chức vụ, số điện thoại, thư điện tử)",
    "accounts": "danh sách đăng ký tài khoản sử dụng hệ thống",
}


class Deadline(Model):
    id: Text = Field(title="mã hạn nộp", pattern=r"^[a-z0-9_]+$")
    kind: Literal["results", "focal_point", "accounts", "other"] = Field(
        "results",
        title="việc phải nộp",
        description="results (kết quả tự đánh giá: hạn dùng để xếp hạng), focal_point (cử cán bộ đầu mối), "
        "accounts (đăng ký tài khoản), other (việc khác, ghi trong what)",
    )
    tiers: list[Text] = Field(title="nhóm đơn vị phải nộp", min_length=1)
    date: VnDate = Field(
        title="hạn nộp (ngày cuối cùng được nộp)",
        description="nộp trong ngày này vẫn đúng hạn (tính đến hết ngày); văn bản ghi «chậm nhất ngày …» "
        "và xếp hạng dùng đúng ngày này",
    )
    to: Text | None = Field(None, title="nơi nhận kết quả (mã nhóm đơn vị; bỏ trống là cơ quan ban hành)")
    aggregates: Text | None = Field(None, title="nhóm đơn vị được tổng hợp kết quả")
    what: Text | None = Field(
        None,
        title="nội dung phải nộp, như văn bản ghi",
        description="bỏ trống là «kết quả đánh giá, tài liệu kiểm chứng kèm theo văn bản» (results), «danh sách "
        "cán bộ đầu mối …» (focal_point), «danh sách đăng ký tài khoản …» (accounts); bắt buộc với other",
    )
    phase: Text | None = Field(
        None,
        title="giai đoạn trong Kế hoạch kết thúc cùng ngày với hạn nộp này",
        description="mã giai đoạn; `vanban check` cảnh báo khi ngày kết thúc giai đoạn khác hạn nộp. Bỏ trống "
        "thì là giai đoạn cùng mã với hạn nộp, hoặc giai đoạn `tu_danh_gia` đối với hạn gửi kết quả về cơ "
        "quan ban hành",
    )

    @model_validator(mode="after")
    def _what(self) -> Deadline:
        if self.kind == "other" and not self.what:
            raise ValueError("hạn nộp loại «other» cần ghi «what» (nội dung phải nộp)")
        return self

    @property
    def is_results(self) -> bool:
        """Whether this deadline is for the results themselves (the ranking's deadline)."""
        return self.kind == "results"

    @property
    def what_text(self) -> str:
        return self.what or DEADLINE_WHAT.get(self.kind, "")


class Delegation(StrEnum):
    KT = "KT"
    TL = "TL"
    TM = "TM"
    Q = "Q"
    TUQ = "TUQ"
    NONE = "none"


class Signer(Model):
    delegation: Delegation = Field(Delegation.NONE, title="thẩm quyền ký (KT, TL, TM, Q, TUQ hoặc none)")
    authority: Text | None = Field(None, title="chức danh hoặc tập thể được ký thay")
    title: Text = Field(title="chức vụ người ký")
    name: Text = Field(title="họ và tên người ký", min_length=3)
    heading: list[Text] | None = Field(
        None,
        title="các dòng thẩm quyền ký viết sẵn",
        description="thay cho delegation và authority khi cần ghi khác; dòng chức vụ vẫn lấy từ title",
    )

    @model_validator(mode="after")
    def _authority(self) -> Signer:
        if self.delegation is not Delegation.NONE and not self.authority and not self.heading:
            raise ValueError(f"ký «{self.delegation.value}.» cần ghi «authority» (ví dụ: Giám đốc)")
        return self

    @property
    def lines(self) -> list[str]:
        """The bold uppercase lines above the signature: 'KT. GIÁM ĐỐC', 'PHÓ GIÁM ĐỐC'."""
        if self.heading:
            return [h.upper() for h in self.heading] + [self.title.upper()]
        if self.delegation is Delegation.NONE:
            return [self.title.upper()]
        return [f"{self.delegation.value}. {(self.authority or '').upper()}", self.title.upper()]


class Contact(Model):
    kind: Literal["person", "office", "company"] = Field(
        "person",
        title="loại liên hệ",
        description="person (một người), office (phòng, cơ quan), company (doanh nghiệp hỗ trợ)",
    )
    name: Text = Field(title="họ tên người, hoặc tên phòng, cơ quan, doanh nghiệp")
    honorific: Text = Field("đồng chí", title="cách xưng hô với một người (ông, bà, đồng chí)")
    title: Text | None = Field(None, title="chức vụ, đơn vị")
    role: Text | None = Field(
        None, title="việc hỗ trợ", description="ví dụ «hỗ trợ kỹ thuật sử dụng Hệ thống»"
    )
    phone: Text | None = Field(None, title="số điện thoại", pattern=r"^[0-9 .+()-]{6,20}$")
    email: Text | None = Field(None, title="thư điện tử", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    zalo: Text | None = Field(None, title="nhóm Zalo hỗ trợ (đường dẫn)", pattern=r"^https?://\S+$")


class Appraiser(Model):
    """A department that appraises the indicators of its own field (the indicator set's decision names them)."""

    name: Text = Field(title="tên cơ quan thẩm định")
    scope: Text = Field(title="lĩnh vực, chỉ số được giao thẩm định")
    tiers: list[Text] = Field(default_factory=list, title="nhóm đơn vị được thẩm định (bỏ trống là mọi nhóm)")


class SectionSpec(Model):
    """One change to a document's sections: choose a wording, hide, move, or add a section."""

    id: Text = Field(
        title="tên đoạn",
        description="tên một đoạn của văn bản (xem docs/clauses.md) hoặc tên tự đặt cho đoạn thêm mới",
        pattern=r"^[a-z0-9_]+$",
    )
    use: Text | None = Field(
        None, title="mẫu câu dùng cho đoạn này", description="tên một mẫu câu của đoạn (xem docs/clauses.md)"
    )
    hide: bool = Field(False, title="bỏ đoạn này")
    after: Text | None = Field(None, title="đặt đoạn này ngay sau đoạn")
    before: Text | None = Field(None, title="đặt đoạn này ngay trước đoạn")
    title: Text | None = Field(None, title="đề mục của đoạn (đánh số tự động)")
    level: Literal[1, 2, 3] | None = Field(
        None,
        title="cấp đề mục: 1 (I., II.), 2 (1., 2.), 3 (a), b))",
        description="bỏ trống là cấp của đề mục đứng trước",
    )
    text: Text | None = Field(None, title="lời văn của đoạn (thay lời văn có sẵn)")

    @model_validator(mode="after")
    def _consistent(self) -> SectionSpec:
        if self.after and self.before:
            raise ValueError("ghi «after» hoặc «before», không ghi cả hai")
        if self.hide and (self.use or self.text or self.title):
            raise ValueError("đoạn đã bỏ («hide: true») không cần «use», «text» hay «title»")
        if self.use and self.text:
            raise ValueError("ghi «use» (chọn mẫu câu có sẵn) hoặc «text» (lời văn riêng), không ghi cả hai")
        return self


class Footnote(Model):
    text: Text = Field(title="nội dung chú thích")
    after: Text = Field(
        title="đặt dấu chú thích ngay sau cụm từ",
        description="cụm từ trong văn bản; dấu chú thích đặt sau lần xuất hiện đầu tiên",
    )


class Attachment(Model):
    title: Text = Field(title="tên tài liệu gửi kèm")
    file: Text | None = Field(None, title="tệp gửi kèm")


class DocumentKind(StrEnum):
    KE_HOACH = "ke_hoach"
    CONG_VAN = "cong_van"
    TO_TRINH = "to_trinh"
    QUYET_DINH = "quyet_dinh"
    THONG_BAO = "thong_bao"


PLANNING_KINDS = (DocumentKind.KE_HOACH, DocumentKind.CONG_VAN)
RESULTS_KINDS = (DocumentKind.TO_TRINH, DocumentKind.QUYET_DINH, DocumentKind.THONG_BAO)


class DocumentSpec(Model):
    number: Text | None = Field(None, title="số văn bản (để trống nếu là dự thảo)", pattern=r"^\d{0,5}$")
    date: OptDate = Field(None, title="ngày ban hành (để trống nếu là dự thảo)")
    subject: Text | None = Field(None, title="trích yếu nội dung")
    recipients: list[Text] = Field(default_factory=list, title="Kính gửi")
    copies_to: list[Text] = Field(default_factory=list, title="Nơi nhận")
    archive: list[Text] = Field(
        default_factory=list,
        title="Lưu",
        description="để trống thì ghi VT và đơn vị soạn thảo (Quyết định: theo mục Lưu của province)",
    )
    attachments: list[Attachment] = Field(default_factory=list, title="tài liệu gửi kèm")
    attachments_note: Text | None = Field(None, title="dòng ghi tài liệu gửi kèm")
    signer: Signer | None = Field(
        None, title="người ký văn bản này", description="bỏ trống thì theo mục signer"
    )
    wording: dict[str, Text | None] = Field(
        default_factory=dict,
        title="lời văn thay cho mặc định",
        description="tên đoạn (xem docs/clauses.md) và lời văn thay thế; "
        'để trống ("") là bỏ đoạn đó; cũng ghi được trong sections (id, text)',
    )
    sections: list[SectionSpec] = Field(
        default_factory=list,
        title="các đoạn của văn bản",
        description="chọn mẫu câu (use), bỏ (hide), đặt lại vị trí (after, before), thêm đoạn mới (id mới, text, "
        "title); xem README, mục «Các đoạn của văn bản», và docs/clauses.md",
    )
    headings: Literal["I.", "1."] | None = Field(
        None,
        title="chia công văn thành các mục có đề mục",
        description="«I.» (I. Cách thức thực hiện, II. …) hoặc «1.» (1. …, 2. …); bỏ trống là không chia mục",
    )
    footnotes: dict[str, Text | Footnote] = Field(
        default_factory=dict,
        title="chú thích cuối trang",
        description="nhãn chú thích và nội dung; dấu chú thích đặt ở chỗ lời văn ghi [^nhãn], hoặc sau cụm từ "
        "ghi trong «after» (ghi text và after)",
    )
    template: Text | None = Field(
        None, title="mẫu DOCX riêng", description="đường dẫn tệp .docx, tính từ thư mục chứa tệp hồ sơ"
    )
    contacts: list[Contact] | None = Field(
        None, title="người liên hệ của văn bản này", description="bỏ trống thì theo mục contacts"
    )

    @field_validator("recipients", "copies_to", "archive")
    @classmethod
    def _no_blank(cls, items: list[str]) -> list[str]:
        if any(not i for i in items):
            raise ValueError("danh sách có mục trống")
        return items

    def footnote_text(self, label: str) -> str | None:
        note = self.footnotes.get(label)
        return note.text if isinstance(note, Footnote) else note

    @property
    def footnote_anchors(self) -> dict[str, str]:
        """Footnotes placed after a phrase of the text rather than at a [^label] mark."""
        return {k: v.after for k, v in self.footnotes.items() if isinstance(v, Footnote)}


DEFAULT_PROVINCE_BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
    "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
    "ngày 22 tháng 11 năm 2019",
)


class Province(Model):
    """The body that publishes the results (UBND tỉnh) and signs the Quyết định."""

    name: Text = Field(title="tên cơ quan ban hành Quyết định (Ủy ban nhân dân tỉnh …)")
    authority: Text | None = Field(
        None, title="dòng thẩm quyền dưới trích yếu (Chủ tịch Ủy ban nhân dân tỉnh …)"
    )
    abbreviation: Text = Field("UBND", title="chữ viết tắt", pattern=r"^[A-ZĐ0-9&]+$")
    place: Text = Field(title="địa danh")
    signer: Signer = Field(title="người ký Quyết định")
    bases: list[Text] = Field(
        default_factory=lambda: list(DEFAULT_PROVINCE_BASES), title="căn cứ pháp lý chung"
    )
    office: Text | None = Field(
        None,
        title="cơ quan tham mưu của UBND tỉnh",
        description="bỏ trống là «Văn phòng UBND tỉnh» («Văn phòng UBND thành phố» với thành phố trực thuộc trung ương)",
    )
    archive: list[Text] = Field(default_factory=lambda: ["VT"], title="Lưu")


class BandSpec(Model):
    name: Text = Field(title="tên mức xếp loại")
    min_percent: float = Field(title="ngưỡng tối thiểu (% điểm tối đa)", ge=0, le=100)


class ResultsSettings(Model):
    bands: list[BandSpec] = Field(
        default_factory=lambda: [
            BandSpec(name="Tốt", min_percent=90),
            BandSpec(name="Khá", min_percent=70),
            BandSpec(name="Trung bình", min_percent=50),
            BandSpec(name="Yếu", min_percent=0),
        ],
        title="các mức xếp loại",
    )
    require_district_appraisal: bool = Field(
        True, title="cấp xã phải được cấp huyện thẩm định mới được xếp hạng"
    )
    rank_by: Literal["points", "dti"] = Field(
        "points", title="xếp hạng theo tổng điểm (points) hay chỉ số (dti)"
    )
    cchc_multiplier: float | None = Field(
        None, title="hệ số quy đổi sang điểm cải cách hành chính (ví dụ 11)"
    )
    cchc_divisor: float = Field(100, title="số chia khi quy đổi (ví dụ 100)", gt=0)
    weakest_count: int = Field(5, title="số chỉ số thành phần yếu nhất nêu trong thông báo", ge=1, le=20)
    missing_rule: Literal["warn", "stop"] = Field(
        "warn",
        title="xử lý khi còn đơn vị chưa nộp kết quả (warn hoặc stop)",
        description="warn: `vanban results` vẫn lập Tờ trình, Quyết định, thông báo, ghi các đơn vị đó là «chưa "
        "nộp» kèm lý do và in cảnh báo liệt kê từng đơn vị; stop: `vanban results` liệt kê các đơn vị chưa "
        "nộp, không lập văn bản nào và trả mã lỗi 1",
    )

    @field_validator("bands")
    @classmethod
    def _descending(cls, bands: list[BandSpec]) -> list[BandSpec]:
        mins = [b.min_percent for b in bands]
        if not mins or mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError("các mức xếp loại phải sắp theo ngưỡng giảm dần và mức cuối có ngưỡng 0")
        return bands


class CalendarSettings(Model):
    extra_days_off: list[VnDate] = Field(default_factory=list, title="ngày nghỉ bổ sung")
    extra_working_days: list[VnDate] = Field(default_factory=list, title="ngày làm việc bù")


class Campaign(Model):
    """A whole campaign file, validated."""

    campaign: CampaignInfo = Field(title="thông tin đợt đánh giá")
    issuer: Issuer = Field(title="cơ quan ban hành")
    legal_bases: list[LegalBasis] = Field(default_factory=list, title="căn cứ")
    tiers: list[Tier] = Field(title="nhóm đơn vị được đánh giá", min_length=1)
    phases: list[Phase] = Field(default_factory=list, title="các giai đoạn")
    deadlines: list[Deadline] = Field(default_factory=list, title="hạn nộp kết quả")
    signer: Signer = Field(
        title="người ký",
        description="người ký các văn bản của cơ quan ban hành, trừ văn bản có người ký riêng",
    )
    contacts: list[Contact] = Field(default_factory=list, title="người liên hệ")
    appraisers: list[Appraiser] = Field(
        default_factory=list,
        title="cơ quan thẩm định theo lĩnh vực",
        description="các sở, ngành thẩm định các chỉ số thuộc lĩnh vực mình quản lý",
    )
    calendar: CalendarSettings = Field(default_factory=CalendarSettings, title="lịch làm việc")
    province: Province | None = Field(None, title="UBND tỉnh (ban hành Quyết định công bố kết quả)")
    results: ResultsSettings = Field(default_factory=ResultsSettings, title="quy tắc xếp hạng")
    documents: dict[DocumentKind, DocumentSpec] = Field(default_factory=dict, title="văn bản")

    source: Path | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _scope(cls, data: Any) -> Any:
        # The default scope names the province, which only the issuer section knows.
        if not isinstance(data, dict):
            return data
        info, issuer = data.get("campaign"), data.get("issuer")
        if isinstance(info, CampaignInfo) and isinstance(issuer, Issuer) and info.scope is None:
            place = f" {issuer.locality_name}" if issuer.locality_name else ""
            scope = f"các cơ quan nhà nước trên địa bàn {issuer.locality}{place}"
            data = {**data, "campaign": info.model_copy(update={"scope": scope})}
        return data

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(phase_id)

    def document(self, kind: DocumentKind) -> DocumentSpec:
        return self.documents.get(kind) or DocumentSpec()

    def annex_host(self) -> DocumentKind:
        """The document the Biểu số and Phụ lục are issued with (their "Kèm theo" line names it)."""
        if self.campaign.annexes_with:
            return DocumentKind(self.campaign.annexes_with)
        return DocumentKind.CONG_VAN if DocumentKind.CONG_VAN in self.documents else DocumentKind.KE_HOACH

    def form_label(self, tier: Tier) -> str:
        """A tier's self-assessment form: as the file names it ('' for none), else 'Biểu số 01', 'Biểu số 02'…
        in tier order ('Biểu mẫu' when there is only one)."""
        if tier.form is not None:
            return tier.form
        if len(self.tiers) == 1:
            return "Biểu mẫu"
        return f"Biểu số {self.tiers.index(tier) + 1:02d}"

    def annex_label(self, tier: Tier) -> str:
        """A tier's evidence guide: as the file names it, else 'Phụ lục I', 'Phụ lục II'… (NĐ 30 numbers
        phụ lục in Roman numerals when a document has two or more; 'Phụ lục' alone when it has one)."""
        if tier.annex is not None:
            return tier.annex
        if len(self.tiers) == 1:
            return "Phụ lục"
        return f"Phụ lục {cal.roman(self.tiers.index(tier) + 1)}"

    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()


SECTION_MODELS: dict[str, Any] = {
    "campaign": CampaignInfo,
    "issuer": Issuer,
    "legal_bases": list[LegalBasis],
    "tiers": list[Tier],
    "phases": list[Phase],
    "deadlines": list[Deadline],
    "signer": Signer,
    "contacts": list[Contact],
    "appraisers": list[Appraiser],
    "calendar": CalendarSettings,
    "province": Province,
    "results": ResultsSettings,
    "documents": dict[DocumentKind, DocumentSpec],
}
REQUIRED_SECTIONS = ("campaign", "issuer", "tiers", "signer")
