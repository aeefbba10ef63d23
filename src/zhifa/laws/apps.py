from django.apps import AppConfig


class LawsConfig(AppConfig):
    name = "zhifa.laws"
    label = "laws"
    verbose_name = "法律法规库"

    def ready(self) -> None:
        from zhifa.laws import seed  # noqa: F401  registers the law corpus seeder
