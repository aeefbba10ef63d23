from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "zhifa.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from zhifa.exchange import seed  # noqa: F401  registers the demo exports seeder
