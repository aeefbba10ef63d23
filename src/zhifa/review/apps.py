from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "zhifa.review"
    label = "review"
    verbose_name = "案卷评查"

    def ready(self) -> None:
        from zhifa.review import seed  # noqa: F401  registers the demo review seeder
