from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "zhifa.evaluation"
    label = "evaluation"
    verbose_name = "效能评价"
