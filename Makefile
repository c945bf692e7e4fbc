# The two commands of the README: `make run` (the whole pipeline on the seed articles) and `make test`.
# Both set up everything they need on a fresh machine with Python 3.11, a JDK 17, Maven and cargo (the text core
# in services/text-core is Rust, compiled when uv installs it).

# cargo from PATH, else where rustup installs it (a shell that did not read rustup's profile lines).
export PATH := $(PATH):$(HOME)/.cargo/bin

# uv from PATH, else installed from PyPI on first use.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: run follow test setup bench clean

run: setup
	$(UV) run khabar run

follow: setup
	$(UV) run khabar run --follow

test: setup
	sh deploy/prometheus/install.sh
	sh tests/support/install-chromium.sh
	cd services/text-core && PYO3_PYTHON=$(CURDIR)/.venv/bin/python cargo test --quiet
	$(UV) run ruff check services tests
	$(UV) run ruff format --check services tests
	$(UV) run mypy
	$(UV) run pytest

bench: setup
	$(UV) run khabar bench normalise --json

setup:
	@command -v cargo >/dev/null 2>&1 || { echo "khabar needs a Rust toolchain to build services/text-core: install cargo from https://rustup.rs, then run make again" >&2; exit 1; }
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv
	$(UV) sync --frozen

clean:
	-$(UV) run khabar kafka down
	rm -rf .khabar
