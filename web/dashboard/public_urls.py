"""The public ranking (no login): /xep-hang/, and per published campaign its ranking and issued Quyết định."""

from django.urls import path

from web.dashboard import public

app_name = "public"

urlpatterns = [
    path("", public.index, name="index"),
    path("<slug:agency>/<slug:slug>/", public.campaign, name="campaign"),
    path("<slug:agency>/<slug:slug>/quyet-dinh.pdf", public.decision, name="decision"),
]
