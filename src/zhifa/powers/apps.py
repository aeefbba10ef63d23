from django.apps import AppConfig


class PowersConfig(AppConfig):
    name = "zhifa.powers"
    label = "powers"
    verbose_name = "权责清单"

    def ready(self) -> None:
        from zhifa.powers import seed  # noqa: F401  registers the powers-list seeder
