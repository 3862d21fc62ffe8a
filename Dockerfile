# The API alone, for a deployment next to an external Neo4j 5.x: NEO4J_URI is required (the
# embedded Neo4j of `make run` needs the source checkout; `kb serve` refuses to start without
# NEO4J_URI and says so). compose.yaml runs it with Neo4j; docs/deployment.md explains.
#
# BASE: python:3.11-slim-bookworm pinned by digest. The digest is the one public Dockerfiles
# pin for that tag; it could not be checked here (no Docker Hub): before a release, check it
# with `docker buildx imagetools inspect python:3.11-slim-bookworm` and update it.
# Without Docker Hub, `make image-test` builds a bookworm base with debootstrap and passes
# its local image id as BASE.
ARG BASE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml setup.py constraints.txt README.md ./
COPY kb ./kb
COPY schema ./schema
COPY seed_data ./seed_data
# empty unless a build fills it: OFFLINE=1 installs from it alone (make image-test does so)
COPY tools/image/wheelhouse /wheelhouse
ARG OFFLINE=
# a wheel (model and seed data inside, see kb/bundled), then a venv that holds it and its
# pinned dependencies; the runtime stage copies only the venv
RUN python3 -m venv /opt/kb \
 && /opt/kb/bin/pip install --no-cache-dir --disable-pip-version-check -q \
      ${OFFLINE:+--no-index} --find-links /wheelhouse -c constraints.txt . \
 && /opt/kb/bin/kb --help > /dev/null

FROM ${BASE}
# a home directory: gunicorn keeps its control socket under ~/.gunicorn
RUN useradd --create-home --home-dir /home/kb --uid 10001 --user-group --shell /usr/sbin/nologin kb
COPY --from=build /opt/kb /opt/kb
ENV PATH=/opt/kb/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KB_HOST=0.0.0.0 \
    KB_PORT=8000 \
    KB_DATA_DIR=/home/kb/data
USER 10001:10001
WORKDIR /home/kb
EXPOSE 8000
# liveness only (/healthz answers without the database); readiness is /readyz for the balancer.
# The port opens after the plan-cache warm-up (kb.warmup, KB_WARMUP): 12-35 s on a new Neo4j
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KB_PORT', '8000'), timeout=3)"]
# schema and seed data: `kb schema apply` and `kb seed` once (compose.yaml: the init service)
CMD ["kb", "serve"]
