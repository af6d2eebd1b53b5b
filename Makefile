# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# `make run` writes .env (DEBUG=1, a SECRET_KEY, SITE_URL, PORT) for itself, the worker and
# manage.py. check and bench judge the committed settings in debug mode, never a local .env.
check bench: export SURVEYSITE_ENV_FILE :=
check bench: export DEBUG ?= 1

.PHONY: run test lint check serve worker bench install clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m surveysite.envfile --port $(PORT)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
		ALLOWED_HOSTS=survey.example.org SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_PRELOAD=1 SECURE_SSL_REDIRECT=1 \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The suite on the database DATABASE_URL names; on PostgreSQL, the fuzz tests run a second time
# on SQLite, so that one `make test` fuzzes both. loadgroup: the fault tests (tests/faults)
# share one worker, and so one PostgreSQL of their own.
test: lint check
	DEBUG=0 $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} --dist loadgroup
	@if [ "$${DATABASE_URL#postgres}" != "$${DATABASE_URL}" ]; then \
		echo "== the fuzz tests again, on SQLite"; \
		env -u DATABASE_URL DEBUG=0 $(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} -m fuzz; \
	fi

# The production shape on one machine, as the Procfile lists it: gunicorn (whitenoise serves the
# static files), a Celery worker and beat, after migrate and collectstatic. Needs PostgreSQL,
# Redis and DEBUG off (docs/deploy.md). honcho runs the three and stops them all when one stops
# or on Ctrl+C, each line prefixed with its name (unbuffered, so in order). `-e /dev/null`: the
# settings read .env themselves, with their own parser.
serve: install
	@$(BIN)/python -m surveysite.serving
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PATH="$(abspath $(BIN)):$$PATH" PYTHONUNBUFFERED=1 $(BIN)/honcho start -f Procfile -e /dev/null -p $(PORT)

worker: install
	$(BIN)/celery -A surveysite worker --beat --loglevel INFO

# Every bench/*.py is a benchmark; bench/_*.py are their helpers.
bench: install
	@for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The translations: gather every marked string into locale/*/LC_MESSAGES/django.po, then
# compile django.mo. Needs GNU gettext (msgfmt) at authoring time only: the .mo is committed,
# so `make run` and CI need no gettext tool. Translate the new msgids, then run it again.
messages: export SURVEYSITE_ENV_FILE :=
messages: export DEBUG ?= 1
messages: install
	$(BIN)/python manage.py makemessages --all --no-location --no-obsolete \
		--ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles sent_emails
