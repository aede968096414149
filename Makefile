# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATABASE_URL ?= sqlite:///./qlvbdh.db
export DATABASE_URL

.PHONY: run test bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/qlvbdh migrate
	$(BIN)/qlvbdh seed-demo
	$(BIN)/qlvbdh run

test: $(VENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) qlvbdh.db qlvbdh.db-shm qlvbdh.db-wal
