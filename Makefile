# Two entry points: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
OUT    ?= out

.PHONY: demo test templates examples clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(TSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/rosterkit check examples/inbox -o $(OUT)/check --as-of 2026-11-23 ; test $$? -le 1
	@echo "结果 / results: $(OUT)/check/ (批注副本 *_校验结果.xlsx, 校验汇总.xlsx)"

test: $(TSTAMP)
	$(PY) -m pytest -q

templates: $(STAMP)
	$(PY) scripts/build_templates.py templates_xlsx

examples: $(STAMP)
	$(PY) scripts/make_examples.py examples

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info src/*.egg-info
