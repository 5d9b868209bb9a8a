# The two commands of the README: `make demo` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= data/demo
DEMO_CLIENTS ?= 20000
export BENTOML_DO_NOT_TRACK := true
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: demo test lint venv data

venv: $(VENV)/.installed

# The development lock: the runtime lock (what the Bento installs) plus training, tests and tooling.
# uv installs it in seconds; it does not read pip's configuration (mirrors, local wheels), so where
# only those are reachable pip installs it instead.
$(VENV)/.installed: requirements/dev.lock requirements/runtime.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q $$(grep '^uv==' requirements/dev.lock)
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements/dev.lock \
		|| $(VENV)/bin/pip install -q -r requirements/dev.lock
	touch $@

data: venv
	$(PY) -m synthetic --clients $(DEMO_CLIENTS) --seed 7 --out $(DATA_DIR)

demo: data
	$(PY) -m train --data-dir $(DATA_DIR) --trials 8 --timeout 60 --folds 3
	$(PY) -m access demo
	CREDIT_SCORING_DEMO_DATA=$(DATA_DIR) $(VENV)/bin/bentoml serve service:CreditScoring --port 3000

lint: venv
	$(VENV)/bin/ruff check .

test: venv lint
	$(PY) -m pytest
