from django.urls import path

from web.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:campaign_id>/", views.index, name="campaign"),
    path("<int:campaign_id>/don-vi/<int:unit_id>/", views.unit, name="unit"),
    path("<int:campaign_id>/don-vi/<int:unit_id>/thu-hoi/", views.revoke, name="revoke"),
    path("nhac-han/", views.remind, name="remind"),
    path("dong-ho/", views.clock_page, name="clock"),
]
