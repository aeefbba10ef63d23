from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "zhifa.registry"
    label = "registry"
    verbose_name = "主体与人员"

    def ready(self) -> None:
        from zhifa.registry import seed  # noqa: F401  registers the demo city seeder
