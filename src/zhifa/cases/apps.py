from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "zhifa.cases"
    label = "cases"
    verbose_name = "行政处罚案件"

    def ready(self) -> None:
        from zhifa.cases import demo  # noqa: F401  registers the demo cases seeder
