from django.urls import path

from web.evidence import trust, views

app_name = "evidence"
urlpatterns = [
    path("tin-cay/", trust.trust_list, name="trust"),
    path("tin-cay/them/", trust.trust_add, name="trust_add"),
    path("tin-cay/<str:sha256>/xoa/", trust.trust_remove, name="trust_remove"),
    path("<int:campaign_id>/", views.overview, name="campaign"),
    path("<int:campaign_id>/tai-len/", views.upload, name="upload"),
    path("<int:campaign_id>/tep/<int:upload_id>/", views.upload_file, name="upload_file"),
    path("<int:campaign_id>/tep/<int:upload_id>/bo/", views.withdraw, name="withdraw"),
    path("<int:campaign_id>/chinh-sach/", views.policy, name="policy"),
    path("<int:campaign_id>/chinh-sach/tep/", views.policy_file, name="policy_file"),
    path("<int:campaign_id>/kiem-tra/", views.start, name="start"),
    path("<int:campaign_id>/lan/<int:number>/", views.report, name="report"),
    path("<int:campaign_id>/lan/<int:number>/trang-thai/", views.run_status, name="run_status"),
    path("<int:campaign_id>/lan/<int:number>/tep/<int:file_id>/", views.file_detail, name="file_detail"),
    path(
        "<int:campaign_id>/lan/<int:number>/tai-ve/<str:name>", views.report_download, name="report_download"
    ),
    path("<int:campaign_id>/lan/<int:number>/cong-van/", views.letter_create, name="letter_create"),
    path(
        "<int:campaign_id>/lan/<int:number>/cong-van/<int:version>/",
        views.letter_download,
        name="letter_download",
    ),
]
