# `make run` serves the app, `make test` runs every test, `make i18n` refreshes the
# message catalogues (docs/i18n.md). Each creates .venv when it is missing and
# installs the project into it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
LOCALE := app_pages/locale
BABEL := $(PY) -m babel.messages.frontend

.PHONY: run test install clean i18n

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: install
	$(PY) -m pytest

# The template extracted from the code, then merged into each language's catalogue
# (new messages come in untranslated, gone ones are dropped). Run as a module so that
# babel.cfg's extractor for app_pages/i18n_keys.py can be imported.
i18n: install
	$(BABEL) extract -F babel.cfg -k t --no-location --sort-output --project budgetsim \
		-o $(LOCALE)/budgetsim.pot .
	$(BABEL) update -i $(LOCALE)/budgetsim.pot -d $(LOCALE) -D budgetsim --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache $(LOCALE)/*/LC_MESSAGES/*.mo
