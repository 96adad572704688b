from django.urls import path

from web.issuance import views

app_name = "issuance"
urlpatterns = [
    path("", views.index, name="index"),
    path("trinh/<int:document_id>/", views.submit, name="submit"),
    path("<int:draft_id>/", views.draft_page, name="draft"),
    path("<int:draft_id>/tien-do/", views.draft_panel, name="panel"),
    path("<int:draft_id>/duyet/", views.approve, name="approve"),
    path("<int:draft_id>/tra-lai/", views.return_draft, name="return"),
    path("<int:draft_id>/tai-len/", views.upload, name="upload"),
    path("<int:draft_id>/ky-tren-may-chu/", views.server_sign, name="server_sign"),
    path("<int:draft_id>/cap-so/", views.issue, name="issue"),
    path("<int:draft_id>/du-thao.pdf", views.draft_pdf, name="draft_pdf"),
    path("<int:draft_id>/ban-hanh.pdf", views.issued_file, name="issued_file"),
    path("ban-ky/<int:signed_id>/", views.signed_file, name="signed_file"),
    path("phu-luc/<int:attachment_id>/", views.attachment_file, name="attachment_file"),
    path("cau-hinh/", views.configuration, name="settings"),
    path("cau-hinh/khoa/", views.add_key, name="add_key"),
    path("cau-hinh/khoa/<int:key_id>/ngung/", views.deactivate_key, name="deactivate_key"),
    path("cau-hinh/luu/", views.save_settings, name="save_settings"),
    path("cau-hinh/con-dau.png", views.seal_image, name="seal"),
]
