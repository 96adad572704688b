from django.urls import path

from web.documents import views

app_name = "documents"
urlpatterns = [
    path("<int:campaign_id>/", views.index, name="index"),
    path("<int:campaign_id>/v<int:number>/", views.index, name="version"),
    path("<int:campaign_id>/v<int:number>/tai-zip/", views.download_zip, name="zip"),
    path("<int:campaign_id>/tao/", views.render_documents, name="render"),
    path("<int:campaign_id>/tien-do/", views.panel, name="panel"),
    path("tep/<int:document_id>/tai/<str:fmt>/", views.download, name="download"),
    path("tep/<int:document_id>/trang/<int:page>.png", views.page_image, name="page"),
]
