# syntax=docker/dockerfile:1
# One image for every Speechcue service; the command picks the service:
#   docker run IMAGE                   -> python -m services.wallet
#   docker run IMAGE services.bot      -> python -m services.bot
#   docker run IMAGE services.calls migrate
#   docker run IMAGE cronjobs billing
# Runs as uid 10001 and needs nothing writable but /tmp, so it works with a read-only root
# filesystem. Health is probed by Kubernetes (gRPC and HTTP), hence no HEALTHCHECK.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, from pyproject alone, so a source change does not reinstall them.
COPY pyproject.toml ./
# No heredoc: older builders (buildah 1.28, Debian 12's) refuse it.
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt
RUN pip install --requirement /tmp/requirements.txt
COPY services ./services
COPY cronjobs ./cronjobs
COPY devstack ./devstack
COPY proto ./proto
RUN pip install --no-deps . \
    && python -m compileall -q /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG SOURCE=https://github.com/speechcue/speechcue
ARG REVISION=unknown
LABEL org.opencontainers.image.title="speechcue" \
      org.opencontainers.image.description="Speechcue services: wallet, calls, payments, bot, sandbox" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"
# The bot's fonts come with its source (services/bot/font_files); Pillow shapes Hindi with Raqm,
# which its wheels bundle but which loads FriBiDi from the system.
# A base that already has it (the tests' debootstrap base) skips apt.
RUN dpkg-query --show --showformat='${db:Status-Status}' libfribidi0 2>/dev/null | grep -qx installed \
    || { apt-get update \
         && apt-get install --yes --no-install-recommends libfribidi0 \
         && rm -rf /var/lib/apt/lists/*; }
RUN groupadd --system --gid 10001 speechcue \
    && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin speechcue
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=root:root services ./services
COPY --chown=root:root cronjobs ./cronjobs
COPY --chown=root:root proto ./proto
# Bytecode now, as root: at run time the filesystem is read-only and nothing may write it.
RUN python -m compileall -q /app
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPEECHCUE_HTTP_HOST=0.0.0.0
USER 10001:10001
ENTRYPOINT ["python", "-m"]
CMD ["services.wallet"]
