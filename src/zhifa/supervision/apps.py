from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhifa.supervision"
    label = "supervision"
    verbose_name = "执法监督处置"
