from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "zhifa.evaluation"
    label = "evaluation"
    verbose_name = "效能评价"

    def ready(self) -> None:
        from zhifa.evaluation import seed  # noqa: F401  registers the demo evaluation seeder
