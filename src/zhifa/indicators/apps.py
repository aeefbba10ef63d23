from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "zhifa.indicators"
    label = "indicators"
    verbose_name = "执法监督指标"
