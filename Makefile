# Two entry points: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
OUT    ?= out

.PHONY: demo test typecheck lint templates examples clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(TSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# The example school is judged on 2026-11-23, the date its seeded mistakes were made against.
# Exit code 1 only says the school has problems to follow up; 2 would mean the run failed.
demo: $(STAMP)
	$(VENV)/bin/rosterkit report examples/inbox --school-info examples/学校信息.xlsx -o $(OUT) \
		--as-of 2026-11-23 ; test $$? -le 1

test: $(TSTAMP)
	$(PY) -m pytest -q

# mypy over src/ (settings in pyproject.toml); CI runs it before the tests.
typecheck: $(TSTAMP)
	$(PY) -m mypy

# The layers of src/rosterkit/ (contracts in pyproject.toml), ruff's rules ([tool.ruff]) and no dead code
# (vulture; vulture_whitelist.py says why each name it cannot see used is kept): each fails CI when broken.
lint: $(TSTAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check src
	$(VENV)/bin/vulture src vulture_whitelist.py

templates: $(STAMP)
	$(PY) scripts/build_templates.py src/rosterkit/templates_xlsx

examples: $(STAMP)
	$(PY) scripts/make_examples.py examples

clean:
	rm -rf $(VENV) $(OUT) build dist *.egg-info src/*.egg-info
