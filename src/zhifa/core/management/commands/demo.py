"""`zhifa demo`: migrate, seed the demo city once per database, print the logins.

`--scale small|default|large` sizes the demo agencies' exports the ``exchange`` seeder
generates and imports (see `zhifa.exchange.seed`); like all seeding it applies once per database.

Serving is not done here: `zhifa demo` (zhifa.cli) calls this command and then starts the
server itself, so `zhifa manage demo` and tests only prepare data.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhifa.core import seeding
from zhifa.core.roles import Role
from zhifa.exchange.demo_sources import SCALES
from zhifa.exchange.seed import exports_scale

DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "迁移数据库，生成尚未生成的演示数据（湖州市），并列出演示账号。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="只准备数据（本命令从不启动服务；`zhifa demo` 会在其后启动）",
        )
        parser.add_argument("--skip-migrate", action="store_true", help="不执行数据库迁移")
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default=None,
            help="演示导出数据的规模：small（约 2 千行）、default（约 21 万行，默认）、"
            "large（约 1000 万行，流式导入并显示进度）；未指定时读取 ZHIFA_DEMO_SCALE",
        )
        parser.add_argument(
            "--url", default=DEMO_URL, help="打印的访问地址（zhifa demo 传入其 --host/--port）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if not options["skip_migrate"]:
            self._step("迁移数据库", lambda: call_command("migrate", interactive=False, verbosity=0))
        with exports_scale(options["scale"]):
            for seeder in seeding.ordered():
                self._seed(seeder)
        self.stdout.write(f"演示数据就绪，共用时 {time.perf_counter() - started:.1f} 秒")
        self._print_logins()
        self.stdout.write(f"访问地址：{options['url']}")

    def _step(self, label: str, work) -> None:
        started = time.perf_counter()
        self.stdout.write(f"{label}……", ending="")
        self.stdout.flush()
        work()
        self.stdout.write(f"完成（{time.perf_counter() - started:.1f} 秒）")

    def _seed(self, seeder: seeding.Seeder) -> None:
        started = last = time.perf_counter()

        def report(message: str) -> None:
            nonlocal last
            now = time.perf_counter()
            self.stdout.write(f"  · {message}（{now - last:.1f} 秒）")
            self.stdout.flush()
            last = now

        self.stdout.write(f"生成演示数据 [{seeder.name}]……")
        self.stdout.flush()
        with seeding.reporting(report):
            summary = seeding.run_once(seeder)
        if summary is None:
            self.stdout.write("  · 本数据库中已生成，跳过")
        else:
            self.stdout.write(f"  · 完成：{summary}（{time.perf_counter() - started:.1f} 秒）")

    def _print_logins(self) -> None:
        from zhifa.accounts.seed import current_logins, logins_path

        logins, reset = current_logins()
        if reset:
            self.stdout.write(f"登录信息文件缺失，已为以下账号重新生成密码：{'、'.join(reset)}")
        if not logins:
            self.stdout.write("没有演示账号。")
            return
        labels = dict(Role.choices)
        places = _place_names(logins)
        self.stdout.write(f"演示账号（保存在 {logins_path()}）：")
        width = max(len(e["username"]) for e in logins)
        self.stdout.write(f"  {'用户名'.ljust(width - 3)}  {'密码'.ljust(12)}  角色 / 单位或区划")
        for entry in logins:
            place = places.get(entry.get("agency_code") or entry.get("region_code") or "", "")
            label = labels.get(entry.get("role", ""), entry.get("role", ""))
            self.stdout.write(
                f"  {entry['username']:<{width}}  {entry['password']:<14}  {label}  {place}".rstrip()
            )


def _place_names(logins: list[dict[str, Any]]) -> dict[str, str]:
    """Agency names by credit code and region names by code, for the logins table."""
    from zhifa.core.models import Region
    from zhifa.registry.models import Agency

    codes = {e.get("agency_code") for e in logins} | {e.get("region_code") for e in logins}
    names = dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))
    names.update(Region.objects.filter(code__in=codes).values_list("code", "full_name"))
    return names
