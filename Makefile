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

# The quality gates, in this order; tests/test_readme_commands.py checks that they stay here. The web tests run
# twice: on SQLite in the full run, then on PostgreSQL (the local server, or a temporary cluster).
test: system $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports
	@$(VENV)/bin/pytest -q --cov=letters --cov=signing --cov-report=term:skip-covered
	@$(PY) scripts/with_postgres.py $(VENV)/bin/pytest -q tests/web

templates: $(STAMP)
	@$(PY) -m letters.documents.template_factory

# The campaign-file reference is generated from the pydantic models, the clause list from the wording files;
# tests/test_docs.py and tests/test_clauses.py check they are current.
.PHONY: docs
docs: $(STAMP)
	@$(PY) -m letters.campaign.reference docs/campaign-file.md
	@$(PY) -m letters.documents.clauses docs/clauses.md

bench: system $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) outputs/* .pytest_cache
