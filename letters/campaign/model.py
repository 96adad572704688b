"""The campaign file's model: who issues, on what legal bases, which units, which phases and deadlines.

Field names are English identifiers; each carries a Vietnamese title that messages show to users.
"""

from __future__ import annotations

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


class CampaignInfo(Model):
    kind: CampaignKind = Field(CampaignKind.DTI, title="loại đợt đánh giá")
    year: int = Field(title="năm đánh giá", ge=2015, le=2100)
    name: Text = Field(title="tên đợt đánh giá", min_length=10)
    index_name: Text = Field("chỉ số DTI", title="tên gọi của chỉ số trong câu văn")
    topic: Text = Field("chuyển đổi số", title="lĩnh vực đánh giá (chuyển đổi số, Chính quyền điện tử…)")
    index_set: Text = Field("Bộ chỉ số đánh giá chuyển đổi số", title="tên bộ chỉ số")
    scope: Text = Field("các cơ quan nhà nước trên địa bàn tỉnh", title="phạm vi đánh giá")
    late_rule: Literal["exclude", "last"] = Field(
        "exclude",
        title="đơn vị nộp muộn: exclude (không chấm điểm) hoặc last (xếp cuối)",
        description="áp dụng cho đơn vị gửi kết quả sau hạn nộp; đơn vị không gửi kết quả (hoặc chỉ gửi biểu "
        "mẫu không hợp lệ) luôn là «chưa nộp»: không được chấm điểm, xếp hạng, theo quy tắc nào cũng vậy",
    )
    evidence_rule: Text | None = Field(None, title="yêu cầu đối với tài liệu kiểm chứng")
    system_name: Text | None = Field(None, title="tên hệ thống đánh giá trực tuyến")
    system_url: Text | None = Field(None, title="địa chỉ hệ thống đánh giá")
    data_period_start: OptDate = Field(None, title="ngày bắt đầu kỳ số liệu")
    data_period_end: OptDate = Field(None, title="ngày kết thúc kỳ số liệu")
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
        None, title="biểu mẫu tự đánh giá", description="số hiệu biểu mẫu của nhóm, ví dụ «Biểu số 01»"
    )
    annex: Text | None = Field(
        None,
        title="phụ lục hướng dẫn tài liệu kiểm chứng",
        description="số hiệu phụ lục của nhóm, ví dụ «Phụ lục 1»",
    )
    indicators: Text | None = Field(
        None,
        title="bộ chỉ số",
        description="mã một bộ chỉ số có sẵn (xem `vanban indicators`) hoặc đường dẫn tệp YAML bộ chỉ số, "
        "tính từ thư mục chứa tệp hồ sơ",
    )
    appraised_by: Text | None = Field(None, title="nhóm đơn vị thẩm định kết quả của nhóm này")
    units: list[Annotated[Unit, BeforeValidator(_unit)]] = Field(
        default_factory=list,
        title="danh sách đơn vị",
        description="mỗi đơn vị ghi tên trên một dòng, hoặc ghi các trường name, id, parent",
    )


class Phase(Model):
    id: Text = Field(title="mã giai đoạn", pattern=r"^[a-z0-9_]+$")
    name: Text = Field(title="tên giai đoạn")
    start: OptDate = Field(None, title="ngày bắt đầu")
    end: VnDate = Field(title="ngày kết thúc")
    tiers: list[Text] = Field(default_factory=list, title="nhóm đơn vị áp dụng")
    lead: Text | None = Field(None, title="cơ quan chủ trì")
    partners: Text | None = Field(None, title="cơ quan phối hợp")

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


class Deadline(Model):
    id: Text = Field(title="mã hạn nộp", pattern=r"^[a-z0-9_]+$")
    tiers: list[Text] = Field(title="nhóm đơn vị phải nộp", min_length=1)
    date: VnDate = Field(
        title="hạn nộp (ngày cuối cùng được nộp)",
        description="nộp trong ngày này vẫn đúng hạn (tính đến hết ngày); văn bản ghi «chậm nhất ngày …» "
        "và xếp hạng dùng đúng ngày này",
    )
    to: Text | None = Field(None, title="nơi nhận kết quả (mã nhóm đơn vị; bỏ trống là cơ quan ban hành)")
    aggregates: Text | None = Field(None, title="nhóm đơn vị được tổng hợp kết quả")
    what: Text | None = Field(None, title="nội dung phải nộp")
    phase: Text | None = Field(
        None,
        title="giai đoạn trong Kế hoạch kết thúc cùng ngày với hạn nộp này",
        description="mã giai đoạn; `vanban check` cảnh báo khi ngày kết thúc giai đoạn khác hạn nộp. Bỏ trống "
        "thì là giai đoạn cùng mã với hạn nộp, hoặc giai đoạn `tu_danh_gia` đối với hạn gửi kết quả về cơ "
        "quan ban hành",
    )


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
    name: Text = Field(title="họ tên người liên hệ")
    honorific: Text = Field("đồng chí", title="cách xưng hô (ông, bà, đồng chí)")
    title: Text | None = Field(None, title="chức vụ, đơn vị")
    phone: Text | None = Field(None, title="số điện thoại", pattern=r"^[0-9 .+()-]{6,20}$")
    email: Text | None = Field(None, title="thư điện tử", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
        description="tên đoạn (xem letters/documents/wording/) và lời văn thay thế; "
        'để trống ("") là bỏ đoạn đó',
    )
    footnotes: dict[str, Text] = Field(
        default_factory=dict,
        title="chú thích cuối trang",
        description="nhãn chú thích (viết [^nhãn] trong lời văn) và nội dung chú thích",
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
    office: Text = Field("Văn phòng UBND tỉnh", title="cơ quan tham mưu của UBND tỉnh")
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
    calendar: CalendarSettings = Field(default_factory=CalendarSettings, title="lịch làm việc")
    province: Province | None = Field(None, title="UBND tỉnh (ban hành Quyết định công bố kết quả)")
    results: ResultsSettings = Field(default_factory=ResultsSettings, title="quy tắc xếp hạng")
    documents: dict[DocumentKind, DocumentSpec] = Field(default_factory=dict, title="văn bản")

    source: Path | None = Field(None, exclude=True)

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
        """A tier's self-assessment form: as the file names it, else 'Biểu số 01', 'Biểu số 02'… in tier
        order ('Biểu mẫu' when there is only one)."""
        if tier.form:
            return tier.form
        if len(self.tiers) == 1:
            return "Biểu mẫu"
        return f"Biểu số {self.tiers.index(tier) + 1:02d}"

    def annex_label(self, tier: Tier) -> str:
        """A tier's evidence guide: as the file names it, else 'Phụ lục I', 'Phụ lục II'… (NĐ 30 numbers
        phụ lục in Roman numerals when a document has two or more; 'Phụ lục' alone when it has one)."""
        if tier.annex:
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
    "calendar": CalendarSettings,
    "province": Province,
    "results": ResultsSettings,
    "documents": dict[DocumentKind, DocumentSpec],
}
REQUIRED_SECTIONS = ("campaign", "issuer", "tiers", "signer")
