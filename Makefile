# Foley notebooks. Every target creates the virtual environment (.venv) first if needed.
#   make reproduce   batch-run every notebook (quick profile) -> runs/<timestamp>/report.md
#   make full        every notebook's full profile on one CUDA GPU -> runs/full/<timestamp>-full/ (times, memory,
#                    GPU memory); stops at once without a GPU (tools/run_full.py; ARGS=--write-readme)
#   make test        unit tests, notebook lint, nbval over the primers 00-04, runner, and the method
#                    notebooks on seeds 0-2 (same seed, same records; budgets; claim verdicts)
#   make lab         open JupyterLab on notebooks/
#   make notebooks   re-execute notebooks/py/*.py into notebooks/*.ipynb (committed outputs)
#   make bench       synthetic-world and loader throughput table
#   make book        the static HTML book from the committed notebooks -> runs/book/html/index.html
#   make test-browser  JupyterLab in headless Chromium: notebooks 03 and 04 run, their widgets clicked
#                    (needs Debian's chromium: apt-get install chromium; screenshots in runs/browser/)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= quick
ARGS   ?=
# nbval executes the primers cell by cell; the method notebooks run through the batch runner in
# tests/test_series.py (three seeds and a warm-cache rerun), which checks more than nbval would
PRIMERS := $(wildcard notebooks/0[0-4]_*.ipynb)

.PHONY: venv reproduce full test unit lab notebooks bench book test-browser clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ is needed, found " + sys.version.split()[0]'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,lab,book,browser]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(PY) tools/warm_up.py
	touch $@

reproduce: venv
	$(PY) -m foley_nb_utils.reproduce --profile $(PROFILE) $(ARGS)

full: venv
	$(PY) tools/run_full.py $(ARGS)

test: venv
	@mkdir -p runs/ci
	$(PY) -m pytest tests $(PRIMERS) -m "not browser" --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
		--junitxml=runs/ci/junit.xml --durations=10 $(ARGS)

unit: venv
	$(PY) -m pytest tests -m "not notebooks" $(ARGS)

lab: venv
	$(VENV)/bin/jupyter lab notebooks/

notebooks: venv
	$(PY) tools/build_notebooks.py --fresh-cache $(ARGS)

bench: venv
	$(PY) -m foley_nb_utils.bench $(ARGS)

book: venv
	$(PY) tools/build_book.py $(ARGS)

test-browser: venv
	$(PY) -m pytest tests/test_browser.py -m browser $(ARGS)

clean:
	rm -rf $(VENV) runs data/cache
