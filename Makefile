# The one front door. `make run` or `make shell` to chat, `make test` to prove it works.
# Every target does the set-up it needs (venv, packages, spaCy pipeline, training) and
# skips what is already up to date.

# Settings from `.env` (see .env.example), if there is one, for every command make starts.
-include .env
export $(shell sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env 2>/dev/null)

VENV        := .venv
BIN         := $(VENV)/bin
PYTHON      := $(BIN)/python
# Rasa's command line with this project's patches of Rasa applied first (patches/__main__.py)
RASA        := $(PYTHON) -m patches
HOST        := 127.0.0.1
RASA_PORT   ?= 5005
ACTION_PORT := 5055
# The demo page's origin must be in allowed_origins of credentials.yml.
WEB_PORT    := 8080
KNOWLEDGE   ?= data/knowledge/medical_billing_coding.yml
NLU_FROM_KNOWLEDGE := data/nlu/from_knowledge.yml
SPACY_MODEL := models/spacy/en_blank_lookup
MODEL       := models/career-assistant.tar.gz
# Embeddings of the knowledge file's example questions (and the quiz's example answers), for the action server.
FACT_INDEX  := models/fact_index/.built
# Which knowledge file the NLU data, model and fact index were made from: rewritten only when
# KNOWLEDGE names another file, so that switching files retrains even onto an older file.
KNOWLEDGE_USED := models/.knowledge_file
TRAINING_DATA := $(sort $(shell find data -name '*.yml' -not -path 'data/knowledge/*') $(NLU_FROM_KNOWLEDGE))

export PYTHONPATH := $(CURDIR)
export KNOWLEDGE_FILE := $(KNOWLEDGE)

.PHONY: FORCE help install run-packages system-packages web spacy train validate lint check-knowledge run shell test evaluate bench faults purge report clean

help:
	@echo "make run       set up, train if needed, start the servers on $(HOST)"
	@echo "make shell     set up, train if needed, chat in the terminal (rasa shell)"
	@echo "make test      set up, train if needed, run every test"
	@echo "make train     retrain after editing data/, config.yml, domain.yml or $(KNOWLEDGE)"
	@echo "make validate  rasa data validate"
	@echo "make lint      ruff check (make test runs it first)"
	@echo "make evaluate  train, then score understanding end to end on the held-out set (results/evaluation.md)"
	@echo "make bench     speed and memory beside the rasa init bot (results/bench.md)"
	@echo "make faults    kill and restart each part of make run under load (results/faults.md)"
	@echo "make purge     delete conversations idle for more than DAYS days (default RETENTION_DAYS or 30)"
	@echo "make report    what students asked in the last DAYS days, for advisors (results/report.html)"

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-no-deps.txt
	@python=$$(scripts/find_python310.sh) && echo "Using $$python" && $$python -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -r requirements-no-deps.txt
	touch $@

# Debian's packages, installed where missing (sudo when not root). `make run` starts two
# Rasa servers behind HAProxy, with Redis for their locks (scripts/serve.py); with
# RASA_SERVERS=1, one Rasa server and neither.
SERVER_PACKAGES := haproxy=/usr/sbin/haproxy redis-server=/usr/bin/redis-server
run-packages:
ifneq ($(RASA_SERVERS),1)
	@scripts/install_missing_packages.sh $(SERVER_PACKAGES)
endif
# The tests need them too (Redis also for the several-servers test), and Chromium for the
# browser tests, PostgreSQL for the several-servers test, docker-compose to check
# docker-compose.yml.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM_PATH := $(CHROMIUM)
system-packages:
	@scripts/install_missing_packages.sh $(SERVER_PACKAGES) chromium=$(CHROMIUM) \
		'postgresql=/usr/lib/postgresql/*/bin/initdb' docker-compose=/usr/bin/docker-compose

web: web/node_modules/.package-lock.json
web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

spacy: $(SPACY_MODEL)/meta.json
$(SPACY_MODEL)/meta.json: scripts/build_spacy_pipeline.py $(VENV)/.installed
	$(PYTHON) scripts/build_spacy_pipeline.py $(SPACY_MODEL)

check-knowledge: $(VENV)/.installed
	@$(PYTHON) -m actions.knowledge $(KNOWLEDGE)

$(KNOWLEDGE_USED): FORCE
	@mkdir -p $(dir $@)
	@echo '$(abspath $(KNOWLEDGE))' | cmp -s - $@ 2>/dev/null || echo '$(abspath $(KNOWLEDGE))' > $@

$(NLU_FROM_KNOWLEDGE): $(KNOWLEDGE) $(KNOWLEDGE_USED) actions/knowledge.py scripts/generate_nlu_data.py $(VENV)/.installed
	$(PYTHON) scripts/generate_nlu_data.py $(KNOWLEDGE) $@

train: $(MODEL) $(FACT_INDEX)
$(MODEL): $(TRAINING_DATA) config.yml domain.yml $(SPACY_MODEL)/meta.json $(wildcard nlu_components/*.py)
	$(RASA) train --fixed-model-name career-assistant --out models
	touch $@

$(FACT_INDEX): $(KNOWLEDGE) $(KNOWLEDGE_USED) actions/knowledge.py actions/understanding.py actions/career_fit.py \
		data/career_fit_answers.yml data/nlu/out_of_scope.yml data/nlu/out_of_scope_clinc150.yml \
		$(wildcard nlu_components/*.py) $(VENV)/.installed
	$(PYTHON) -m actions.understanding $(KNOWLEDGE)
	touch $@

validate: $(NLU_FROM_KNOWLEDGE)
	$(RASA) data validate --fail-on-warnings

run: $(MODEL) $(FACT_INDEX) check-knowledge web run-packages
	@echo
	@echo "Starting the action server on $(HOST):$(ACTION_PORT), two Rasa servers behind HAProxy on $(HOST):$(RASA_PORT) and the demo page (Ctrl-C stops all)."
	@echo "Demo page with the chat widget: http://$(HOST):$(WEB_PORT)/"
	@echo "Talk to the bot over REST:"
	@echo "  curl -s -XPOST http://$(HOST):$(RASA_PORT)/webhooks/rest/webhook -d '{\"sender\": \"me\", \"message\": \"how much does it pay?\"}'"
	@echo "socket.io (web chat widget): http://$(HOST):$(RASA_PORT)/socket.io/"
	@echo
	$(PYTHON) -m scripts.serve --web $(WEB_PORT) http://$(HOST):$(RASA_PORT) $(ACTION_PORT) -- \
		run -i $(HOST) -p $(RASA_PORT) --credentials credentials.yml --endpoints endpoints.yml --model $(MODEL)

shell: $(MODEL) $(FACT_INDEX) check-knowledge
	$(PYTHON) -m scripts.serve $(ACTION_PORT) -- shell --endpoints endpoints.yml --model $(MODEL)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# The set-up steps run side by side once Python's packages are in: training takes the CPU
# while npm and apt wait on the network.
# The test files then run on TEST_WORKERS processes, a file's tests on one of them (they share
# its servers).
TEST_WORKERS ?= 2
test: $(VENV)/.installed
	@$(MAKE) --no-print-directory -j4 lint $(MODEL) $(FACT_INDEX) validate web system-packages
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# CLINC150's held-out splits; the data set is not in this repository (see scripts/import_clinc150.py).
CLINC150 ?= ../shared/datasets/clinc150/data_full.json
evaluate: $(MODEL) $(FACT_INDEX) check-knowledge
	$(PYTHON) scripts/evaluate.py --model $(MODEL) --clinc150 $(CLINC150)

# Starts what `make run` starts, and the `rasa init` bot (trained in a temporary folder) to
# compare with, both up together and measured phase by phase in turn; about 12 minutes.
# Writes results/bench.md. SOAK_MINUTES=N runs a soak instead: 8 conversations for N minutes,
# memory of every process and reply times at the start and the end (results/soak.md).
bench: $(MODEL) $(FACT_INDEX) check-knowledge web system-packages
	$(PYTHON) scripts/bench.py $(if $(SOAK_MINUTES),--soak-minutes $(SOAK_MINUTES))

# Kills or restarts each part of what `make run` starts (a Rasa server, the action server,
# Redis, PostgreSQL, a rolling restart) while 8 conversations talk to it, and measures what
# students saw. Writes results/faults.md.
faults: $(MODEL) $(FACT_INDEX) check-knowledge system-packages
	$(PYTHON) -m scripts.faults

# Deletes conversations idle for more than DAYS days (default: RETENTION_DAYS, or 30) from
# the conversation store (CONVERSATIONS_DB_URL; the SQLite file of `make run` by default).
purge: $(VENV)/.installed
	$(PYTHON) -m stores.purge $(if $(DAYS),--days $(DAYS))

# What students asked in the last DAYS days (default: RETENTION_DAYS, or 30), from the same
# store: results/report.html, its tables as results/report/*.csv, and
# results/suggested_questions.yml for advisors to review. REPORT_SHOW_TEXT=0 hides messages' text.
report: $(VENV)/.installed
	$(PYTHON) -m report $(if $(DAYS),--days $(DAYS))

clean:
	rm -rf models results .pytest_cache $(NLU_FROM_KNOWLEDGE)
