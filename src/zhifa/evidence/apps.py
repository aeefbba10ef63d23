from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "zhifa.evidence"
    label = "evidence"
    verbose_name = "证据"
