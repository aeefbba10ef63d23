"""The `zhifa` console script.

zhifa demo [--no-serve] [--scale S] [--host H] [--port P]   migrate, seed the demo city once, serve
zhifa serve [--host H] [--port P] [--workers N] production server (gunicorn)
zhifa audit verify                              recompute the audit hash chain
zhifa token create USERNAME [--days N]          issue an API bearer token
zhifa laws import PATH...                       import law files or folders (JSON report)
zhifa laws provisions LAW [--json] [--date D]   the penalty provisions of a law version
zhifa import FAMILY FILE... --source NAME [--mapping MAP.yaml] [--json]   import exchange records
zhifa indicators --period P [--region C | --agency C] [--by D] [--format json|csv]   indicator values
zhifa clues run [--model SLUG] [--json] | clues backtest --model SLUG [--param k=v] [--json]   clue models
zhifa manage ...                                any Django management command
"""

from __future__ import annotations

import argparse
import os
import sys


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    import django

    django.setup()


def _manage(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhifa manage", *args])
    return 0


def _call(command: str, *args: str) -> int:
    _django()
    from django.core.management import call_command

    try:
        call_command(command, *args)
    except SystemExit as exc:  # commands signal failure through SystemExit(code)
        return int(exc.code or 0)
    return 0


def serve(host: str, port: int, workers: int) -> int:
    """Replace this process with gunicorn serving the WSGI app (static files via WhiteNoise)."""
    _django()
    from django.conf import settings

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "zhifa.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--worker-tmp-dir",
        str(settings.DATA_DIR),
    ]
    print(f"zhifa 正在 http://{host}:{port}/ 提供服务（gunicorn，{workers} 个进程）", flush=True)
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhifa", description="zhifa 行政执法与执法监督平台")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="迁移数据库、生成演示城市并启动服务")
    demo.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
    demo.add_argument(
        "--scale",
        choices=["small", "default", "large"],
        default=None,
        help="演示导出数据规模：small、default（默认，约 21 万行）、large（约 1000 万行）",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)

    srv = sub.add_parser("serve", help="以生产级服务器（gunicorn）启动")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--workers", type=int, default=int(os.environ.get("ZHIFA_WORKERS", "2")))

    aud = sub.add_parser("audit", help="审计日志")
    aud_sub = aud.add_subparsers(dest="audit_command", required=True)
    aud_sub.add_parser("verify", help="重新计算整条哈希链")

    tok = sub.add_parser("token", help="API 令牌")
    tok_sub = tok.add_subparsers(dest="token_command", required=True)
    create = tok_sub.add_parser("create", help="为用户签发令牌")
    create.add_argument("username")
    create.add_argument("--days", type=int, default=90)

    laws = sub.add_parser("laws", help="法律法规库")
    laws_sub = laws.add_subparsers(dest="laws_command", required=True)
    imp = laws_sub.add_parser("import", help="导入法律文件或目录，输出 JSON 报告")
    imp.add_argument("paths", nargs="+")
    prov = laws_sub.add_parser("provisions", help="输出某部法律的罚则（JSON）")
    prov.add_argument("law_name")
    prov.add_argument("--json", action="store_true")
    prov.add_argument("--date", default=None, help="YYYY-MM-DD，默认今天")

    imp_rec = sub.add_parser("import", help="导入数据交换文件（对账、隔离不合格行）")
    imp_rec.add_argument("family")
    imp_rec.add_argument("paths", nargs="+")
    imp_rec.add_argument("--source", required=True)
    imp_rec.add_argument("--mapping", default=None)
    imp_rec.add_argument("--json", action="store_true")

    snap = sub.add_parser("snapshot", help="把主数据的当日快照写入分析库")
    snap.add_argument("families", nargs="*")
    snap.add_argument("--json", action="store_true")

    ind = sub.add_parser("indicators", help="计算执法监督指标（与 API 同一结果）")
    ind.add_argument("--period", required=True)
    ind_where = ind.add_mutually_exclusive_group()
    ind_where.add_argument("--region", default=None)
    ind_where.add_argument("--agency", default=None)
    ind.add_argument("--by", default="agency")
    ind.add_argument("--slugs", default=None)
    ind.add_argument("--format", choices=["json", "csv"], default="json")

    clu = sub.add_parser("clues", help="问题线索模型：run 运行，backtest 回测", add_help=False)
    clu.add_argument("rest", nargs=argparse.REMAINDER)

    sub.add_parser("manage", help="Django 管理命令", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return _manage(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        url = f"http://{args.host}:{args.port}/"
        extra = [*(["--no-serve"] if args.no_serve else []), *(["--scale", args.scale] if args.scale else [])]
        code = _call("demo", "--url", url, *extra)
        if code or args.no_serve:
            return code
        return serve(args.host, args.port, workers=2)
    if args.command == "serve":
        _call("migrate", "--no-input", "-v", "0")
        return serve(args.host, args.port, args.workers)
    if args.command == "audit":
        return _call("audit_verify")
    if args.command == "token":
        return _call("token_create", args.username, "--days", str(args.days))
    if args.command == "laws":
        if args.laws_command == "import":
            return _call("laws_import", *args.paths)
        extra = ["--date", args.date] if args.date else []
        return _call("laws_provisions", args.law_name, "--json", *extra)
    if args.command == "import":
        extra = [*(["--mapping", args.mapping] if args.mapping else []), *(["--json"] if args.json else [])]
        return _call("import_records", args.family, *args.paths, "--source", args.source, *extra)
    if args.command == "snapshot":
        return _call("snapshot_registry", *args.families, *(["--json"] if args.json else []))
    if args.command == "clues":
        return _call("clues", *args.rest)
    if args.command == "indicators":
        where = ["--region", args.region] if args.region else ["--agency", args.agency] if args.agency else []
        extra = [
            *where,
            "--by",
            args.by,
            "--format",
            args.format,
            *(["--slugs", args.slugs] if args.slugs else []),
        ]
        return _call("indicators", "--period", args.period, *extra)
    return 2


if __name__ == "__main__":
    sys.exit(main())
