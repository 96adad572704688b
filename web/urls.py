from django.contrib import admin
from django.urls import include, path

from web.accounts.views import home

admin.site.site_header = "vanban: quản trị"
admin.site.site_title = "vanban"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", home, name="home"),
    path("tai-khoan/", include("web.accounts.urls")),
    path("tac-vu/", include("web.jobs.urls")),
    path("dot-danh-gia/", include("web.campaigns.urls")),
    path("van-ban/", include("web.documents.urls")),
    path("ban-hanh/", include("web.issuance.urls")),
    path("minh-chung/", include("web.evidence.urls")),
    path("ket-qua/", include("web.results.urls")),
    path("cap-tai-khoan/", include("web.onboarding.urls")),
    path("tu-danh-gia/", include("web.selfassess.urls")),
    path("thoi-han/", include("web.deadlines.urls")),
    path("tham-dinh/", include("web.appraisal.urls")),
    path("theo-doi/", include("web.dashboard.urls")),
    path("xep-hang/", include("web.dashboard.public_urls")),
    path("quan-tri/", admin.site.urls),
]
