#!/usr/bin/env bash
# make image-test: build the API image and run it against a local Neo4j.
# Installs docker.io if missing and starts dockerd if none runs (root); uses the pinned
# python base when it can be pulled, else a debootstrap-built bookworm base (base.sh),
# pinned by its local image id. Then: schema + seed from the image (as compose's init job
# does), the API container with --network host, /readyz, one query, the HEALTHCHECK,
# non-root user, no permission error in the logs, refusal without NEO4J_URI. PASS or FAIL.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
KB=.venv/bin/kb
IMAGE=kb-api:image-test
export DOCKER_BUILDKIT=0  # the classic builder: no buildx plugin or frontend image to pull

step() { printf '\n== %s\n' "$*"; }
fail() { printf '\nFAIL: %s\n' "$*"; exit 1; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

step "docker"
if ! command -v dockerd >/dev/null; then
  apt-get install -y -q docker.io >/dev/null
fi
started_dockerd=""
if ! docker info >/dev/null 2>&1; then
  dockerd >/tmp/kb-image-test-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || fail "dockerd did not start (see /tmp/kb-image-test-dockerd.log)"
fi
docker version --format 'client {{.Client.Version}}, server {{.Server.Version}}'

work=$(mktemp -d /tmp/kb-image-test.XXXXXX)
api=""
bolt_port=$(free_port)
neo4j_env=(env -u NEO4J_URI KB_DATA_DIR="$work/data" KB_NEO4J_BOLT_PORT="$bolt_port")
cleanup() {
  [ -n "$api" ] && docker rm -f "$api" >/dev/null 2>&1
  "${neo4j_env[@]}" "$KB" neo4j stop >/dev/null 2>&1 || true
  rm -rf "$work"
  rm -f tools/image/wheelhouse/*.whl
  if [ -n "$started_dockerd" ]; then kill "$started_dockerd"; wait "$started_dockerd" || true; fi
}
trap cleanup EXIT

step "compose.yaml"
if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
  apt-get install -y -q docker-compose >/dev/null || true
fi
if command -v docker-compose >/dev/null; then
  NEO4J_PASSWORD=image-test docker-compose -f compose.yaml config -q || fail "compose.yaml"
  echo "docker-compose $(docker-compose version --short) config: valid (not run: no Docker Hub)"
fi

step "base image"
base=$(sed -n 's/^ARG BASE=//p' Dockerfile)
if timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
  echo "pulled $base"
else
  echo "cannot pull $base: a Debian bookworm base from debootstrap (built once, then reused)"
  base=$(tools/image/base.sh kb-base:bookworm)
  echo "local base image id $base"
fi

step "wheelhouse (host pip; the build container does not trust this network's TLS)"
wheelhouse=tools/image/wheelhouse
.venv/bin/pip wheel -q --disable-pip-version-check -w "$wheelhouse" -c constraints.txt \
  . setuptools=="$(sed -n 's/.*"setuptools==\([^"]*\)".*/\1/p' pyproject.toml | head -n 1)"
rm -f "$wheelhouse"/deconfliction_kb-*.whl  # the image builds its own from the sources
echo "$(ls "$wheelhouse"/*.whl | wc -l) wheels"

step "build ($IMAGE FROM $base)"
started=$(date +%s)
docker build --network host --build-arg "BASE=$base" --build-arg OFFLINE=1 -t "$IMAGE" . 2>&1 \
  | grep -E 'Sending build context|^Step|Successfully built' || true
docker image inspect "$IMAGE" >/dev/null 2>&1 || fail "image build failed"
echo "built in $(( $(date +%s) - started )) s; size $(docker image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=iec)"

step "refuses to start without NEO4J_URI"
set +e
out=$(docker run --rm "$IMAGE" 2>&1); code=$?
set -e
echo "exit $code: $out"
[ "$code" -ne 0 ] && grep -q "NEO4J_URI is not set" <<<"$out" || fail "started without NEO4J_URI"

step "local Neo4j"
"${neo4j_env[@]}" "$KB" neo4j start
uri="bolt://127.0.0.1:$bolt_port"
run=(docker run --rm --network host -e NEO4J_URI="$uri" "$IMAGE")

step "schema and seed data from the image (compose's init job)"
"${run[@]}" kb schema apply || fail "kb schema apply"
"${run[@]}" kb seed | tail -n 3 || fail "kb seed"

step "API container"
port=$(free_port)
api=$(docker run -d --network host -e NEO4J_URI="$uri" -e KB_PORT="$port" -e KB_WORKERS=1 "$IMAGE")
"$PY" - "$port" <<'PY' || fail "readiness or query"
import json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 60
while True:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
            print(f"/readyz {r.status} after {60 - (deadline - time.monotonic()):.1f} s")
            break
    except OSError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"/readyz not 200 after 60 s: {exc}")
        time.sleep(0.5)
url = f"{base}/api/v1/mechanisms?between=IDF&between=Russia"
with urllib.request.urlopen(url, timeout=10) as r:
    body = json.load(r)
items = body if isinstance(body, list) else body.get("items", body.get("data", []))
names = [m.get("name") for m in items]
print(f"GET {url[len(base):]}: {r.status}, {len(items)} mechanism(s): {names[:3]}")
if r.status != 200 or not items:
    sys.exit("no mechanism between IDF and Russia")
graph_library = f"{base}/explorer/static/vendor/cytoscape.esm.min.js"
with urllib.request.urlopen(graph_library, timeout=10) as r:
    size = len(r.read())
print(f"GET /explorer's graph library: {r.status}, {size} bytes")
PY
echo "user in the container: $(docker exec "$api" id)"
[ "$(docker exec "$api" id -u)" != 0 ] || fail "runs as root"
health=""
for _ in $(seq 60); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$api")
  [ "$health" = healthy ] && break
  sleep 1
done
echo "HEALTHCHECK: $health"
[ "$health" = healthy ] || fail "container not healthy"
logs=$(docker logs "$api" 2>&1)
if grep -iE 'permission|traceback' <<<"$logs"; then fail "errors in the container log"; fi
grep "Control socket listening" <<<"$logs" || fail "gunicorn made no control socket"
echo "container log: $(wc -l <<<"$logs") lines, no permission error, no traceback"

printf '\nPASS: image %s (base %s) served /readyz and a query on Neo4j %s\n' "$IMAGE" "$base" "$uri"
