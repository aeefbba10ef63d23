from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zhifa.accounts.actions import do_create_token
from zhifa.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API bearer token for USERNAME and print it (it is stored only as a hash)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=90, help="validity in days (0: no expiry)")

    def handle(self, *args, username: str, days: int, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        self.stdout.write(do_create_token(user, label="cli", days=days or None, actor=None))
