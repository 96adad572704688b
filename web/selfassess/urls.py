from django.urls import path

from web.selfassess import views

app_name = "selfassess"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:sub_id>/", views.form, name="form"),
    path("<int:sub_id>/chi-so/<int:entry_id>/luu/", views.save, name="save"),
    path("<int:sub_id>/chi-so/<int:entry_id>/giai-trinh/", views.answer, name="answer"),
    path("<int:sub_id>/chi-so/<int:entry_id>/tai-len/", views.upload, name="upload"),
    path("<int:sub_id>/tep/<int:file_id>/", views.download, name="file"),
    path("<int:sub_id>/tep/<int:file_id>/trang-thai/", views.file_status, name="file_status"),
    path("<int:sub_id>/tep/<int:file_id>/rut/", views.withdraw, name="withdraw"),
    path("<int:sub_id>/thao-tac/<str:action>/", views.act, name="act"),
    path("<int:sub_id>/bien-nhan/", views.receipt, name="receipt"),
    path("<int:sub_id>/bien-nhan/tai-ve.json", views.receipt_json, name="receipt_json"),
    path("<int:sub_id>/bien-nhan/tai-ve.html", views.receipt_html, name="receipt_html"),
    path("<int:sub_id>/lich-su-diem/", views.history, name="history"),
]
