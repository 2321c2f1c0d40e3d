# Two commands do all the set-up: `make run` (demo on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_ARGS ?=
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint bench messages clean backup restore

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet uv || python3 -m pip install --quiet --break-system-packages uv
	$(UV) sync --frozen --quiet

# HOST is where the demo is served and what e-mails link to: make run HOST=portail.local:8080
RUN_ENV = DEBUG=1 SITE_URL=http://$(HOST) ALLOWED_HOSTS=$(firstword $(subst :, ,$(HOST))),127.0.0.1,localhost

run: install
	$(RUN_ENV) $(UV) run python manage.py migrate --noinput
	$(RUN_ENV) $(UV) run python manage.py load_demo
	$(RUN_ENV) $(UV) run python manage.py runserver $(HOST)

# The layers contract first (an upward import fails the build), then the suite.
# pytest's exit code 5 (no test collected) counts as a failure.
test: install
	$(UV) run lint-imports --no-cache
	@set +e; $(UV) run pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "Aucun test exécuté : échec."; exit 1; fi; exit $$rc

# Format, lint (Python and templates) and the layers contract (pyproject.toml: [tool.ruff], [tool.djlint],
# [tool.importlinter]); CI runs it first.
lint: install
	$(UV) run ruff format --check .
	$(UV) run ruff check .
	$(UV) run djlint templates --lint
	$(UV) run lint-imports --no-cache

# National-scale benchmark (docs/performance.md): PostgreSQL, Redis, gunicorn; make bench SCALE=100000
bench: install
	$(UV) run python -m bench.run $(if $(SCALE),--scale $(SCALE),)

messages: install
	$(UV) run python manage.py makemessages -l fr --ignore=.venv --ignore=staticfiles
	$(UV) run python manage.py compilemessages --ignore=.venv

# Database dump + media archive; restore into an empty database: make restore FROM=backups/<date>
backup: install
	$(UV) run python manage.py backup $(if $(TO),--destination $(TO),)

restore: install
	$(UV) run python manage.py restore $(FROM)

clean:
	rm -rf staticfiles .pytest_cache
