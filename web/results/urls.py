from django.urls import path

from web.results import views

app_name = "results"
urlpatterns = [
    path("<int:campaign_id>/", views.overview, name="campaign"),
    path("<int:campaign_id>/tai-len/", views.upload, name="upload"),
    path("<int:campaign_id>/diem-mau/", views.example, name="example"),
    path("<int:campaign_id>/tu-he-thong/", views.from_system, name="from_system"),
    path("<int:campaign_id>/lan/<int:number>/cong-bo/", views.publish, name="publish"),
    path("<int:campaign_id>/diem-mau/tai-ve/", views.example_download, name="example_download"),
    path("<int:campaign_id>/bieu-mau-trong/", views.blank_forms, name="blank_forms"),
    path("<int:campaign_id>/diem/<int:upload_id>/<int:index>/", views.scores_file, name="scores_file"),
    path("<int:campaign_id>/lan/<int:number>/", views.run_page, name="run"),
    path("<int:campaign_id>/lan/<int:number>/trang-thai/", views.run_status, name="run_status"),
    path(
        "<int:campaign_id>/lan/<int:number>/van-ban/<int:doc_id>/<str:fmt>/", views.document, name="document"
    ),
]
