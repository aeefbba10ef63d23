# zhifa — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ZHIFA_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo test test-sqlite test-postgres browser-deps lint bench bench-store bench-indicators bench-clues clean

install: $(STAMP) src/zhifa/static/vendor/htmx.min.js locale

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

src/zhifa/static/vendor/htmx.min.js: node_modules/.package-lock.json scripts/copy_assets.py
	$(BIN)/python scripts/copy_assets.py

.PHONY: locale
locale: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

demo: install
	$(BIN)/zhifa demo

# The browser tests need Debian's chromium and CJK fonts; install them when missing (root, apt).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium and CJK fonts with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-arphic-uming >/dev/null; }
	@test -f /usr/share/fonts/truetype/arphic/uming.ttc || { \
	  echo "installing the PDF documents' CJK TrueType font (fonts-arphic-uming) with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-arphic-uming >/dev/null; }

test: install browser-deps
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	  else echo "DATABASE_URL not set: PostgreSQL run skipped"; fi

test-sqlite:
	@echo "== test suite on SQLite"
	env -u DATABASE_URL ZHIFA_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -n 2 -q

test-postgres:
	@echo "== test suite on PostgreSQL ($$DATABASE_URL)"
	ZHIFA_DATA_DIR=$$(mktemp -d) $(BIN)/pytest -n 2 -q

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

# Everything, by hand (≈20 min here): audit chain, demo, import speed, then the indicator and
# clue engines over 10 million facts each with their PostgreSQL / full-scan baselines.
bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/indicators.py
	$(BIN)/python benchmarks/clues.py

bench-store: install
	$(BIN)/python benchmarks/analytics_store.py

bench-indicators: install
	$(BIN)/python benchmarks/indicators.py

bench-clues: install
	$(BIN)/python benchmarks/clues.py

clean:
	rm -rf $(VENV) node_modules src/zhifa/static/vendor var
