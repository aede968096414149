# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATABASE_URL ?= sqlite:///./qlvbdh.db
export DATABASE_URL
# The browser libraries (npm, pinned by the lock file) and the pages' scripts, bundled by esbuild.
FRONTEND := api/frontend
FRONTEND_BUILT := api/static/build/.built

.PHONY: run test bench clean frontend

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm is missing: install Node.js 20 with npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error

$(FRONTEND_BUILT): $(FRONTEND)/node_modules/.package-lock.json $(FRONTEND)/build.mjs $(wildcard $(FRONTEND)/src/*)
	npm run --prefix $(FRONTEND) --silent build

frontend: $(FRONTEND_BUILT)

# The demo's clock (moved by `qlvbdh demo-clock advance 1wd` in another shell, with the same
# DEMO_CLOCK_FILE) and its emails, written as .eml files to read.
run: export DEMO_CLOCK_FILE ?= ./data/demo-clock
run: export MAIL_DIR ?= ./data/mail
run: $(VENV)/.installed $(FRONTEND_BUILT)
	$(BIN)/qlvbdh migrate
	$(BIN)/qlvbdh seed-demo
	$(BIN)/qlvbdh run

test: $(VENV)/.installed $(FRONTEND_BUILT)
	$(BIN)/python -m pytest -n auto --dist loadfile

bench: $(VENV)/.installed
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules api/static/build qlvbdh.db qlvbdh.db-shm qlvbdh.db-wal
