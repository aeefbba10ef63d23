from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "zhifa.clues"
    label = "clues"
    verbose_name = "监督线索"
