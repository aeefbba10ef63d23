"""Copy the front-end assets installed by npm into the package's static folder."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src/zhifa/static/vendor"
ASSETS = {
    "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
    "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
}


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for source, target in ASSETS.items():
        src = ROOT / source
        if not src.exists():
            raise SystemExit(f"missing {source}: run npm ci first")
        dst = VENDOR / target
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    print(f"assets ready in {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
