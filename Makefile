# handteach: `make run` starts the app, `make test` runs the whole suite.
# Both create .venv and install what they need on first use.
# The newest of CPython 3.14 ... 3.11 on the PATH that runs (a pyenv shim of a version not selected does not);
# `make PYTHON=/path/to/python3.12` names another. The venv recipes say in one line which they took (python_check).
SUPPORTED_PYTHONS := python3.14 python3.13 python3.12 python3.11
# looked up once, and only when a recipe needs it (a pyenv shim takes a second or more to answer)
PYTHON ?= $(eval PYTHON := $(firstword $(foreach p,$(SUPPORTED_PYTHONS),$(shell $(p) -c "" >/dev/null 2>&1 && echo $(p)))))$(PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# localhost unless set: `make run ADDRESS=0.0.0.0` serves on the network (docs/app.md: remote webcams need HTTPS)
ADDRESS ?=
RUNTIME_VENV := .venv-runtime

.PHONY: run test test-all lint bench clean smoke frontend scratch pictures command keypoint-models

# Before a venv is made: one line naming the interpreter taken, or what to install when none fits (exit 2, nothing
# created). Only a CPython 3.11 to 3.14 is taken: requirements.txt has wheels for those (.ci/wheels.py).
define python_check
if [ -z "$(PYTHON)" ]; then \
	echo "No Python 3.11 to 3.14 found (looked for $(SUPPORTED_PYTHONS)): install one (python.org, Homebrew, or your system's python3.12 package), or name it: make PYTHON=/path/to/python3"; exit 2; fi; \
if ! command -v "$(PYTHON)" >/dev/null 2>&1; then echo "PYTHON=$(PYTHON) was not found: name a Python 3.11 to 3.14 that is installed"; exit 2; fi; \
"$(PYTHON)" -c 'import platform, sys; v = sys.version_info[:2]; ok = (3, 11) <= v <= (3, 14) and platform.python_implementation() == "CPython"; print(f"Using $(PYTHON): {platform.python_implementation()} {platform.python_version()}" if ok else f"$(PYTHON) is {platform.python_implementation()} {platform.python_version()}: handteach needs CPython 3.11 to 3.14 (install one, or name it: make PYTHON=python3.12)"); sys.exit(0 if ok else 2)' 2>/dev/null \
	|| { [ $$? -eq 2 ] || echo "PYTHON=$(PYTHON) did not run: name a Python 3.11 to 3.14 that is installed"; exit 2; }
endef

# torch on Linux: PyPI's Linux wheels are CUDA builds (about 3 GB of nvidia-* packages and triton beside torch's own
# 0.5 GB, for an app that never uses a GPU), so the install takes torch's CPU build first from PyTorch's own CPU
# index, as its install page documents (`--index-url https://download.pytorch.org/whl/cpu`), when that host answers
# within 5 s; otherwise pip's usual index (and any find-links pip is configured with) as before. The check is bounded
# by `timeout`: where the host is firewalled a connection can hang rather than fail. One line says which build came.
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_CPU_WAIT ?= 5
define torch_cpu_answers
[ "$$(uname -s)" = Linux ] && timeout $$(($(TORCH_CPU_WAIT) + 1)) $(1) -c 'import os, ssl, urllib.request as u; u.urlopen("$(TORCH_CPU_INDEX)/torch/", timeout=$(TORCH_CPU_WAIT), context=ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)).close()' >/dev/null 2>&1
endef
# $(1): the environment's python. The torch line of requirements.txt from the CPU index where it answers, then
# requirements.txt (an installed 2.13.0+cpu satisfies torch==2.13.0, so pip keeps it), then mediapipe without the
# dependencies it declares (requirements-mediapipe.txt says why), then the one line.
define install_requirements
if $(call torch_cpu_answers,$(1)); then \
	$(1) -m pip install --quiet "$$(sed -n 's/^\(torch==[^ ;#]*\).*/\1/p' requirements.txt)" --index-url $(TORCH_CPU_INDEX) \
	&& cpu_index=yes || echo "$(TORCH_CPU_INDEX) answered but its torch did not install (above): torch comes from pip's usual index"; \
fi; \
$(1) -m pip install --quiet -r requirements.txt && \
$(1) -m pip install --quiet --no-deps -r requirements-mediapipe.txt && \
if [ "$$(uname -s)" = Linux ]; then $(1) -c 'import importlib.metadata as m, sys; v = m.version("torch"); cuda = any(r.startswith("nvidia-") for r in m.requires("torch") or ()); print(f"torch {v}: " + ("the CPU build, from $(TORCH_CPU_INDEX)" if sys.argv[1] else ("a CUDA build from PyPI, about 2.7 GB with its nvidia-* packages and triton, for a GPU the app never uses (README)" if cuda else "a CPU build, from pip'"'"'s usual index or find-links") + " ($(TORCH_CPU_INDEX) did not answer within $(TORCH_CPU_WAIT) s)"))' "$${cpu_index:-}"; fi
endef

$(VENV)/.installed: requirements.txt requirements-mediapipe.txt
	@test -x $(PY) || { $(python_check); }
	@echo "Installing the Python packages into $(VENV) (first run only, about 2 minutes)..."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@$(call install_requirements,$(PY))
	$(PY) -m core.keypoints.models
	touch $@

# MediaPipe's hand and pose networks as ONNX files (core/keypoints/models.py: the .tflite files of the mediapipe
# 0.10.21 wheel, from the installed package or fetched by pip, converted without TensorFlow) in a gitignored folder,
# for the keypoints on onnxruntime, and the browser path's hand bundles. The install step makes them (seconds; nothing when they are as made), this rule again
# when the converter changes; nothing is fetched at run time.
KEYPOINT_MODELS := core/keypoints/onnx_models/manifest.json

keypoint-models: $(KEYPOINT_MODELS)

$(KEYPOINT_MODELS): core/keypoints/models.py core/keypoints/tflite_onnx.py core/keypoints/tflite_graph.py | $(VENV)/.installed
	$(PY) -m core.keypoints.models --force

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	@echo "Installing the test packages into $(VENV) (first run only, about a minute)..."
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# The `handteach` command (pyproject.toml's [project.scripts]; docs/cli.md, docs/class.md): a launcher in
# .venv/bin running this checkout's code with .venv's Python from any folder, its data in this checkout's data/user
# (or HANDTEACH_DATA), as `make run` serves it. A launcher rather than `pip install -e .`: no build step, no network.
HANDTEACH := $(VENV)/bin/handteach

command: $(HANDTEACH)

$(HANDTEACH): $(VENV)/.installed
	printf '#!/bin/sh\n# made by make (the checkout at %s): the same command line as python -m core\nPYTHONPATH="%s$${PYTHONPATH:+:$$PYTHONPATH}" exec "%s" -m core "$$@"\n' \
		"$(CURDIR)" "$(CURDIR)" "$(abspath $(PY))" > $@
	chmod +x $@

# The browser path's component (issue 46, ui/browser): npm packages from the lockfile, bundled by esbuild,
# and hand_landmarker.task packed from the keypoint models' .tflite files (no mediapipe), into a gitignored folder of the
# package. Rebuilt only when the lockfile or a source changes. Without Node.js (or when npm fails) one line
# says so and everything else goes on: the app keeps the keypoints on the server.
FRONTEND_BUILD := ui/browser/frontend_build
FRONTEND_SOURCES := frontend/package.json frontend/package-lock.json frontend/build.mjs frontend/index.html \
	frontend/scripts/make_task.py examples/onnx_metadata.mjs $(wildcard frontend/src/*.js)

frontend: $(FRONTEND_BUILD)/.built

$(FRONTEND_BUILD)/.built: $(FRONTEND_SOURCES) $(VENV)/.installed $(KEYPOINT_MODELS)
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "Node.js not found: the browser path is not built, keypoints stay on the server (install nodejs and npm, then: make frontend)"; \
	else \
		echo "Building the browser path: npm packages from the lockfile, the bundle, the hand model (after a change only, about 30 seconds)..." && \
		(cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs ../$(FRONTEND_BUILD)) && \
		$(PY) frontend/scripts/make_task.py $(FRONTEND_BUILD) >/dev/null && touch $@ || \
		echo "The browser path did not build (see above): keypoints stay on the server; retry with: make frontend"; \
	fi

# The Make page's Scratch editor (docs/scratch.md): scratch-gui's prebuilt library from its npm tarball (checked
# against scratch/editor.lock.json), React from the lockfile, the page bundled with the browser path's engine, and
# the pose bundle for body-pose games (scratch/make_pose_task.py: the wheel's pose networks, where mediapipe is installed).
SCRATCH_BUILD := ui/scratch/editor_build
SCRATCH_SOURCES := scratch/package.json scratch/package-lock.json scratch/editor.lock.json scratch/build.mjs \
	scratch/index.html scratch/make_pose_task.py $(wildcard scratch/src/*.js) $(wildcard frontend/src/*.js)

scratch: $(SCRATCH_BUILD)/.built

$(SCRATCH_BUILD)/.built: $(SCRATCH_SOURCES) $(FRONTEND_BUILD)/.built
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "Node.js not found: the Scratch editor is not built, the Make page says so (install nodejs and npm, then: make scratch)"; \
	elif [ ! -f $(FRONTEND_BUILD)/.built ]; then \
		echo "The browser path is not built, so neither is the Scratch editor (make frontend, then: make scratch)"; \
	else \
		echo "Building the Scratch editor: scratch-gui's npm tarball (69 MB download, 33 MB kept), the page (after a change only)..." && \
		(cd scratch && npm ci --no-audit --no-fund --loglevel=error && node build.mjs ../$(SCRATCH_BUILD) ../$(FRONTEND_BUILD)) && \
		$(PY) scratch/make_pose_task.py $(SCRATCH_BUILD) && touch $@ || \
		echo "The Scratch editor did not build (see above): the Make page says so; retry with: make scratch"; \
	fi

# ui.server.serve patches Streamlit's media responses before the server answers anything (ui/server/compat.py)
run: $(VENV)/.installed $(KEYPOINT_MODELS) $(HANDTEACH) frontend scratch
	$(PY) -m ui.server.serve --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS))

# the quick and slow tests in two processes; those that serve the app or drive a browser all in one of them, one at
# a time (on two cores two browsers at once starve each other's timings: tests/conftest.py). CI runs this; the
# extended tests (paths a test here already walks, with more data, rounds or browsers) wait for `make test-all`
test: $(VENV)/.installed-test $(KEYPOINT_MODELS) $(HANDTEACH) frontend scratch
	$(PY) -m ruff check .
	$(PY) -m pytest -q -m "not extended" -n 2 --dist loadgroup --durations=30

test-all: test
	$(PY) -m pytest -q -m extended --durations=30

# The walkthrough in the real browser (tests/test_e2e_browser.py) keeps its Live screenshot as the README's picture.
pictures: $(VENV)/.installed-test frontend
	HANDTEACH_PICTURES=docs/images $(PY) -m pytest -q tests/test_e2e_browser.py -k record_train_recognise

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# An environment from requirements.txt alone, rebuilt from scratch when it changes, so that a
# package only the tests install cannot hide a missing runtime dependency (.ci/smoke.py).
$(RUNTIME_VENV)/.installed: requirements.txt requirements-mediapipe.txt
	@$(python_check)
	@echo "Installing requirements.txt alone into $(RUNTIME_VENV) for the smoke check (after a change only, about 2 minutes)..."
	rm -rf $(RUNTIME_VENV)
	$(PYTHON) -m venv $(RUNTIME_VENV)
	@$(call install_requirements,$(RUNTIME_VENV)/bin/python)
	touch $@

smoke: $(RUNTIME_VENV)/.installed
	$(RUNTIME_VENV)/bin/python .ci/smoke.py

bench: $(VENV)/.installed $(KEYPOINT_MODELS)
	$(PY) bench/speed/pipeline.py

clean:
	rm -rf $(VENV) $(RUNTIME_VENV) .pytest_cache .ruff_cache frontend/node_modules $(FRONTEND_BUILD) core/keypoints/onnx_models
