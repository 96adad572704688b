from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "web.campaigns"
    label = "campaigns"
    verbose_name = "Đợt đánh giá"
