from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "zhifa.rules"
    label = "rules"
    verbose_name = "法定规则与期限"
