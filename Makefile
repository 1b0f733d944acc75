# handteach: `make run` starts the app, `make test` runs the whole suite.
# Both create .venv and install what they need on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# localhost unless set: `make run ADDRESS=0.0.0.0` serves on the network (docs/app.md: remote webcams need HTTPS)
ADDRESS ?=
RUNTIME_VENV := .venv-runtime

.PHONY: run test lint bench clean smoke

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# ui.server.serve patches Streamlit's media responses before the server answers anything (ui/server/compat.py)
run: $(VENV)/.installed
	$(PY) -m ui.server.serve --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS))

test: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m pytest -q --durations=30

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# An environment from requirements.txt alone, rebuilt from scratch when it changes, so that a
# package only the tests install cannot hide a missing runtime dependency (.ci/smoke.py).
$(RUNTIME_VENV)/.installed: requirements.txt
	rm -rf $(RUNTIME_VENV)
	$(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $@

smoke: $(RUNTIME_VENV)/.installed
	$(RUNTIME_VENV)/bin/python .ci/smoke.py

bench: $(VENV)/.installed
	$(PY) bench/pipeline.py

clean:
	rm -rf $(VENV) $(RUNTIME_VENV) .pytest_cache .ruff_cache
