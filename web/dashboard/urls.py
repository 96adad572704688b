from django.urls import path

from web.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("xuat.xlsx", views.export, name="export"),
    path("thong-bao/", views.notices, name="notices"),
    path("thong-bao/<int:doc_id>/<str:fmt>/", views.notice_file, name="notice_file"),
]
