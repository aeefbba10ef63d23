from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhifa.supervision"
    label = "supervision"
    verbose_name = "执法监督处置"

    def ready(self) -> None:
        from zhifa.supervision import seed  # noqa: F401  registers the demo dispositions
