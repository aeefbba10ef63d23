from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhifa.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from zhifa.accounts import seed  # noqa: F401  registers the demo logins seeder
