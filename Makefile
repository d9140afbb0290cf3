# iHospital developer entry points. `make run` and `make test` do all set-up.
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
ODOO := $(VENV)/bin/odoo
DB ?= ihospital
TEST_DB ?= ihospital_test
HTTP_PORT ?= 8069
MODULES := ihospital_base,ihospital_staff,ihospital_public,ihospital_his,ihospital_survey,ihospital_staff_his,ihospital_regulation,ihospital_knowledge,ihospital_analysis
PGSOCK = $(shell tools/pg.sh socket)
ODOO_ARGS = -c $(ROOT)/odoo.conf --addons-path=$(ROOT)/addons --db_host=$(PGSOCK) --data-dir=$(ROOT)/.local/odoo-data

.PHONY: help setup venv pg run test lint stop clean i18n bench-booking gateway his-sim bench-his bench-critical bench-lookup bench-regulation bench-analysis bench-scale bench-queue bench-cache screenshots cluster cluster-stop cluster-status backup

help:
	@echo "make run    - set up everything and serve Odoo with the suite and demo data at http://127.0.0.1:$(HTTP_PORT) (admin / admin)"
	@echo "make test   - set up everything, build a fresh test database and run all tests"
	@echo "make lint   - ruff and pylint-odoo through pre-commit"
	@echo "make bench-booking - 500 clients race for 100 slots through the portal's booking route"
	@echo "make gateway - run the HIS gateway (前置机) against the Odoo of make run (HL7 on :2575, JSON on :2576)"
	@echo "make his-sim - run the HIS/LIS/queue simulator against make gateway"
	@echo "make bench-his - 5,000 ORU^R01 lab results through the gateway into Odoo, with an XML-RPC baseline"
	@echo "make bench-critical - 1,000 critical lab results through the gateway to a clinician's websocket, 10,000 alerts open"
	@echo "make bench-lookup - a doctor's lab lookups over JSON-RPC among 1,000,000 patients and 20,000,000 lab result lines"
	@echo "make bench-regulation - the regulations' Chinese search among 10,000 regulations over JSON-RPC, with a title lookup as baseline"
	@echo "make bench-analysis - the director's dashboard over 3 years of a large hospital (5,000,000 visits; BENCH_VISITS=200000 for a small run)"
	@echo "make bench-scale - a hospital's terminals (locust: patients, waiting-room screens, portal, staff) on one node, then on the multi-node set-up with 2,000 queue watchers"
	@echo "make bench-queue - 2,000 websocket watchers of one department's queue, an event a second: Odoo's bus against the shared fetch, and 500 connects in 2 s"
	@echo "make bench-cache - the public reads (queue state, department and doctor pages) at one node, uncached and behind HAProxy's cache"
	@echo "make screenshots - phone-width (375x812) screenshots of the main pages in Chinese into screenshots/ (needs make run's Odoo)"
	@echo "make i18n   - export the .pot files and merge them into zh_CN.po"
	@echo "make cluster - the multi-node set-up: PostgreSQL primary + replica, 2 Odoo nodes, HAProxy on http://127.0.0.1:8080, the HIS gateway (tools/cluster.sh)"
	@echo "make cluster-stop - stop it (make cluster-status: each part; make backup: a base backup, tools/backup.sh)"
	@echo "make stop   - stop the private PostgreSQL cluster"
	@echo "make clean  - stop it and remove everything generated (.venv, .local)"

venv:
	@tools/venv.sh

pg:
	@tools/pg.sh start

setup: venv pg

run: setup
	@tools/dev-db.sh "$(DB)" "$(MODULES)"
	@echo "Serving Odoo at http://127.0.0.1:$(HTTP_PORT) (login admin / admin); Ctrl-C stops it."
	$(ODOO) $(ODOO_ARGS) -d $(DB) --db-filter='^$(DB)$$' --http-port=$(HTTP_PORT)

test: setup
	@tools/test.sh "$(TEST_DB)" "$(MODULES)"

bench-booking: setup
	@tools/bench-booking.sh "$(MODULES)" $(BENCH_ARGS)

gateway: setup
	@tools/dev-db.sh "$(DB)" "$(MODULES)"
	@$(PY) tools/gateway_key.py --db "$(DB)" --db-host "$(PGSOCK)" --data-dir "$(ROOT)/.local/odoo-data" \
		--login his-gateway --out "$(ROOT)/.local/gateway/api-key"
	$(VENV)/bin/ihospital-gateway run --config gateway/gateway.example.toml

his-sim: venv
	$(VENV)/bin/ihospital-gateway simulate-his $(SIM_ARGS)

bench-his: setup
	@tools/bench-his.sh "$(MODULES)" $(BENCH_ARGS)

bench-critical: setup
	@tools/bench-critical.sh "$(MODULES)" $(BENCH_ARGS)

bench-lookup: setup
	@tools/bench-lookup.sh "$(MODULES)" $(BENCH_ARGS)

bench-regulation: setup
	@tools/bench-regulation.sh "$(MODULES)" $(BENCH_ARGS)

bench-analysis: setup
	@tools/bench-analysis.sh "$(MODULES)" $(BENCH_ARGS)

bench-scale: setup
	@tools/bench-scale.sh "$(MODULES)" $(BENCH_ARGS)

bench-queue: setup
	@tools/bench-queue.sh "$(MODULES)" $(BENCH_ARGS)

bench-cache: setup
	@tools/bench-cache.sh "$(MODULES)" $(BENCH_ARGS)

lint: venv
	@PATH="$(VENV)/bin:$$PATH" $(VENV)/bin/pre-commit run --all-files

i18n: setup
	@tools/dev-db.sh "$(DB)" "$(MODULES)"
	@$(PY) tools/i18n.py --db "$(DB)" --modules "$(MODULES)" -- $(ODOO_ARGS)

screenshots: venv
	$(PY) tools/screenshots.py --url http://127.0.0.1:$(HTTP_PORT) --db $(DB) --out $(ROOT)/screenshots

cluster: setup
	@tools/cluster.sh start $(CLUSTER_ARGS)

cluster-stop:
	@tools/cluster.sh stop $(CLUSTER_ARGS)

cluster-status:
	@tools/cluster.sh status $(CLUSTER_ARGS)

backup:
	@tools/backup.sh base $(CLUSTER_ARGS)

stop:
	@tools/pg.sh stop

clean: stop
	@[ ! -f .local/cluster/cluster.env ] || tools/cluster.sh stop
	rm -rf $(VENV) .local .pytest_cache .ruff_cache
