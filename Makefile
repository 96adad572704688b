# Two commands matter: `make demo` and `make test`. Both install what they need first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint system templates bench clean

system:
	@bash scripts/install_system.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: system $(STAMP)
	@$(VENV)/bin/vanban demo

test: system $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/pytest -q

templates: $(STAMP)
	@$(PY) -m letters.documents.template_factory

bench: system $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) outputs/* .pytest_cache
