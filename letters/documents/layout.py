"""NĐ 30/2020 Phụ lục I layout figures, in one place so templates and checks agree."""

from __future__ import annotations

MM_PER_PT = 25.4 / 72

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGIN_TOP_MM = 20
MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM = 30
MARGIN_RIGHT_MM = 15
HEADER_DISTANCE_MM = 10
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
LANDSCAPE_TEXT_WIDTH_MM = PAGE_HEIGHT_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM

# The header's two columns: the issuer's on the left, Quốc hiệu and the date on the right. 72 mm holds a
# parent body as long as "UBND TỈNH BÀ RỊA - VŨNG TÀU" on one line at 13 pt; the 93 mm left on the right
# hold the Quốc hiệu at 12 pt and "Bà Rịa - Vũng Tàu, ngày 25 tháng 10 năm 2024" at 13 pt.
HEADER_LEFT_MM = 72
HEADER_RIGHT_MM = TEXT_WIDTH_MM - HEADER_LEFT_MM
CELL_MARGIN_MM = 0.5

# Nơi nhận on the left, the signature block on the right.
FOOTER_LEFT_MM = 78
FOOTER_RIGHT_MM = TEXT_WIDTH_MM - FOOTER_LEFT_MM

SIZE_AGENCY = 13  # tên cơ quan chủ quản, tên cơ quan ban hành (12–13)
SIZE_NATIONAL = 12  # Quốc hiệu (12–13): 13 pt does not fit beside a 70 mm issuer column
SIZE_MOTTO = 13  # Tiêu ngữ (13–14)
SIZE_NUMBER = 13  # Số, ký hiệu (13)
SIZE_DATE = 13  # địa danh, ngày tháng (13–14): at 14 pt a long place name wraps the date line
SIZE_TITLE = 14  # tên loại, trích yếu (13–14)
SIZE_VV = 12  # trích yếu công văn (12–13)
SIZE_BODY = 14  # nội dung (13–14)
SIZE_SIGNER = 14  # quyền hạn, chức vụ, họ tên (13–14)
SIZE_RECIPIENTS_HEAD = 12  # "Nơi nhận:" (12)
SIZE_RECIPIENTS = 11  # danh sách nơi nhận (11)
SIZE_PAGE_NUMBER = 14  # số trang (13–14)
SIZE_FOOTNOTE = 11
SIZE_TABLE = 12  # text of tables in the body and in phụ lục

# A picture in the body (the notice's chart) is placed this wide; the chart draws its lettering for it.
FIGURE_WIDTH_MM = 150

FIRST_LINE_INDENT_CM = 1.27
PARAGRAPH_SPACING_PT = 6
LINE_SPACING = 1.15  # between single and 1.5 lines
ISSUER_RULE_FRACTION = 0.4  # 1/3 to 1/2 of the issuer's name
SUBJECT_RULE_FRACTION = 0.4  # 1/3 to 1/2 of the trích yếu
SIGNATURE_ROOM_LINES = 4

# Paragraph style names (visible in Word's Styles pane; users edit the look there).
ST_BODY = "VB Nội dung"
ST_H1 = "VB Mục cấp 1"
ST_H2 = "VB Mục cấp 2"
ST_H3 = "VB Mục cấp 3"
ST_BASIS = "VB Căn cứ"
ST_PARENT = "VB Cơ quan chủ quản"
ST_ISSUER = "VB Cơ quan ban hành"
ST_NATIONAL = "VB Quốc hiệu"
ST_MOTTO = "VB Tiêu ngữ"
ST_NUMBER = "VB Số ký hiệu"
ST_DATE = "VB Địa danh ngày tháng"
ST_VV = "VB Trích yếu công văn"
ST_TYPE = "VB Tên loại"
ST_SUBJECT = "VB Trích yếu"
ST_RULE_SHORT = "VB Đường kẻ ngắn"
ST_RULE_FULL = "VB Đường kẻ theo chữ"
ST_RULE_SUBJECT = "VB Đường kẻ trích yếu"
ST_TO_ONE = "VB Kính gửi một nơi"
ST_TO_HEAD = "VB Kính gửi"
ST_TO_ITEM = "VB Kính gửi danh sách"
ST_CC_HEAD = "VB Nơi nhận tiêu đề"
ST_CC = "VB Nơi nhận"
ST_SIGN_TITLE = "VB Chức vụ người ký"
ST_SIGN_ROOM = "VB Chỗ ký"
ST_SIGN_NAME = "VB Họ tên người ký"
ST_PAGE_NO = "VB Số trang"
ST_TABLE = "VB Bảng"
ST_TABLE_HEAD = "VB Bảng tiêu đề"
ST_ANNEX_NOTE = "VB Kèm theo"
ST_SPACER = "VB Khoảng cách"
ST_CENTER = "VB Dòng giữa đậm"
ST_FIGURE = "VB Hình"
ST_APPENDIX = "VB Phụ lục"
ST_APPENDIX_TITLE = "VB Tên phụ lục"
ST_APPENDIX_NOTE = "VB Ghi chú phụ lục"
ST_PAGE_BREAK = "VB Sang trang"
ST_FORM_LINE = "VB Dòng điền"
ST_FORM_SIGN = "VB Ký biểu mẫu"
ST_FORM_SIGN_NOTE = "VB Ghi chú ký"
