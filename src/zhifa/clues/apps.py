from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "zhifa.clues"
    label = "clues"
    verbose_name = "监督线索"

    def ready(self) -> None:
        from zhifa.clues import seed  # noqa: F401  registers the demo clue run
