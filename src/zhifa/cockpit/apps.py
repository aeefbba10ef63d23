from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "zhifa.cockpit"
    verbose_name = "执法监督驾驶舱"
