from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "zhifa.analytics"
    label = "analytics"
    verbose_name = "分析库"
