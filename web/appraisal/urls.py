from django.urls import path

from web.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.index, name="index"),
    path("thuc-hien/", views.bulk, name="bulk"),
    path("<int:submission_id>/", views.submission, name="submission"),
    path("<int:submission_id>/chi-so/<int:entry_id>/", views.save_entry, name="entry"),
    path("<int:submission_id>/chuyen-trang-thai/", views.change_state, name="transition"),
    path("<int:submission_id>/lich-su/", views.history, name="history"),
]
