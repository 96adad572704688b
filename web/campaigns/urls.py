from django.urls import path

from web.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("tao-moi/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/sua/<path:path>/", views.campaign_edit, name="edit"),
    path("<int:pk>/nhap-don-vi/<path:path>/", views.units_import, name="units_import"),
    path("<int:pk>/xem-truoc/", views.wording_preview, name="preview"),
    path("<int:pk>/yaml/", views.campaign_yaml, name="yaml"),
    path("<int:pk>/xuat/", views.campaign_export, name="export"),
    path("<int:pk>/nhap/", views.campaign_import, name="import"),
    path("<int:pk>/phien-ban/", views.campaign_versions, name="versions"),
    path("<int:pk>/phien-ban/<int:hid>/", views.version_detail, name="version"),
    path("<int:pk>/phien-ban/<int:hid>/khoi-phuc/", views.version_restore, name="restore"),
]
