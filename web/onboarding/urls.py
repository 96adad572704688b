from django.urls import path

from web.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.index, name="index"),
    path("thong-tin/", views.profile, name="profile"),
    path("<int:campaign_id>/cap/", views.issue, name="issue"),
    path("<int:campaign_id>/cap-lai/<int:user_id>/", views.reissue, name="reissue"),
    path("<int:campaign_id>/tep/<str:batch>/xoa/", views.delete_files, name="delete_files"),
    path("<int:campaign_id>/tep/<str:batch>/pdf/", views.make_pdf, name="make_pdf"),
    path("<int:campaign_id>/tep/<str:batch>/<str:filename>", views.download, name="download"),
    path("<int:campaign_id>/tham-dinh/", views.assignments, name="assignments"),
    path("<int:campaign_id>/tham-dinh/<int:assignment_id>/", views.assignment, name="assignment"),
]
