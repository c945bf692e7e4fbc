# The khabar service image: the producer (`khabar replay`) and the enricher (`khabar worker`) of docker-compose.yml.
# Dependencies come from the committed uv.lock only (`uv sync --frozen`): the image runs what the tests ran.
FROM python:3.11-slim-bookworm

# uv from PyPI, the same way the Makefile installs it.
RUN pip install --no-cache-dir uv==0.13.9

ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KHABAR_STATE_DIR=/var/lib/khabar

WORKDIR /app

# Dependencies in their own layer, so that a change of code does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The code, and the files it reads beside it at run time (PROJECT_ROOT is /app).
COPY services ./services
COPY schemas ./schemas
COPY seeds ./seeds
RUN uv sync --frozen --no-dev

RUN useradd --system --home-dir /var/lib/khabar --create-home khabar
USER khabar

# Worker: metrics, /healthz and /readyz. Producer metrics (with KHABAR_PRODUCER_METRICS_PORT=9101).
EXPOSE 6066 9101
CMD ["khabar", "worker"]
