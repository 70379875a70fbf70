# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test fuzz soak lint bench install install-dev lock system-deps node-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exact versions with their hashes (a changed or substituted file on the index fails the install);
# then our own package without resolving anything again. `make lock` rewrites both lock files
# from pyproject.toml; re-install whenever either changes.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
LOCK_FLAGS := --quiet --universal --python-version 3.11 --generate-hashes

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# llama.cpp (the test model server) is compiled for x86-64 in general, not for this CPU: a native
# build on a CPU with AMX crashed (SIGSEGV in decode) on the test model's first multi-token prompt.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
$(VENV)/.installed-dev: $(DEV_LOCK) $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

lock: install-dev
	$(BIN)/uv pip compile $(LOCK_FLAGS) pyproject.toml -o $(LOCK)
	$(BIN)/uv pip compile $(LOCK_FLAGS) --extra dev pyproject.toml -o $(DEV_LOCK)

# Debian packages the test-suite needs: a browser for widget/console tests, espeak-ng and sox
# for audio fixtures. Installed only when missing (CI runs as root on a clean machine).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "warning: could not install$$missing; tests needing them will be skipped"; \
	fi

# The local FHIR server used by connector tests (Medplum's in-memory router).
node-deps:
	@if [ -f tests/fakes/fhir_server/package.json ] && [ ! -d tests/fakes/fhir_server/node_modules ]; then \
	  cd tests/fakes/fhir_server && npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; \
	fi

run: install
	$(BIN)/frontdesk db upgrade
	$(BIN)/frontdesk demo seed
	$(BIN)/frontdesk serve --host $(HOST) --port $(PORT)

# Both cores: pytest-xdist workers take whole test files (module-scoped servers start once).
TEST_WORKERS ?= 2
test: install-dev system-deps node-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The long fuzzing run (docs/reliability.md; `make test` runs a short one): FUZZ_FRAMES malformed
# frames for each WebSocket protocol (Twilio Media Streams, chat), FUZZ_HTTP_EXAMPLES schemathesis
# cases per HTTP operation, generation mode and credentials. Prints the figures; FUZZ_REPORT=file
# appends them to a file.
FUZZ_FRAMES ?= 10000
FUZZ_HTTP_EXAMPLES ?= 200
fuzz: install-dev
	FUZZ_FRAMES=$(FUZZ_FRAMES) FUZZ_HTTP_EXAMPLES=$(FUZZ_HTTP_EXAMPLES) $(BIN)/python -m pytest -q -s \
	  -p no:cacheprovider --timeout 7200 -W ignore::hypothesis.errors.HypothesisWarning \
	  tests/gateway/fuzz $(PYTEST_ARGS)

# The long soak (docs/reliability.md; `make test` runs a short one): MINUTES of SOAK_CALLS simulated
# calls and SOAK_CHATS chat visitors, continuously, on one `frontdesk serve` (DATABASE=sqlite, or
# DATABASE=postgres: a fresh database on 127.0.0.1:5432 plus Redis at SOAK_REDIS_URL). Prints the
# figures and pass/fail per criterion as JSON; SOAK_REPORT=file also writes them there.
MINUTES ?= 60
DATABASE ?= sqlite
SOAK_CALLS ?= 10
SOAK_CHATS ?= 200
SOAK_REDIS_URL ?= redis://127.0.0.1:6379/0
soak: install-dev
	$(BIN)/python bench/soak.py --minutes $(MINUTES) --calls $(SOAK_CALLS) --chats $(SOAK_CHATS) \
	  --database $(DATABASE) $(if $(filter postgres,$(DATABASE)),--redis-url $(SOAK_REDIS_URL)) \
	  $(if $(SOAK_REPORT),--json-out $(SOAK_REPORT)) $(SOAK_ARGS)

# mypy: strict for speech/, connectors/, agents/; the default checks for gateway/ ([tool.mypy]).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python bench/audit_append.py
	$(BIN)/python bench/speech.py

clean:
	rm -rf $(VENV) var
