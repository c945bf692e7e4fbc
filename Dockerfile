# The khabar service image: the producer (`khabar replay`) and the enricher (`khabar worker`) of docker-compose.yml.
# Dependencies come from the committed uv.lock only (`uv sync --frozen`): the image runs what the tests ran.
# Two stages: the first has the Rust toolchain that compiles the text core (services/text-core) and makes the
# environment; the image keeps only that environment and the code.
FROM rust:1-slim-bookworm AS rust

FROM python:3.11-slim-bookworm AS build

# The Rust toolchain from the official image, the C linker it calls, and uv from PyPI, the same way the
# Makefile installs it.
COPY --from=rust /usr/local/cargo /usr/local/cargo
COPY --from=rust /usr/local/rustup /usr/local/rustup
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9

ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:$PATH \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

WORKDIR /app

# Dependencies (the text core among them) in their own layer, so that a change of code does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
COPY services/text-core ./services/text-core
RUN uv sync --frozen --no-dev --no-install-project

# The code, and the files it reads beside it at run time (PROJECT_ROOT is /app).
COPY services ./services
COPY schemas ./schemas
COPY seeds ./seeds
RUN uv sync --frozen --no-dev && rm -rf services/text-core/target

FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KHABAR_STATE_DIR=/var/lib/khabar

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

RUN useradd --system --home-dir /var/lib/khabar --create-home khabar
USER khabar

# Worker: metrics, /healthz and /readyz. Producer metrics (with KHABAR_PRODUCER_METRICS_PORT=9101).
EXPOSE 6066 9101
CMD ["khabar", "worker"]
