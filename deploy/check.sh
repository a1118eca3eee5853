#!/usr/bin/env bash
# Check deploy/ as far as a machine without a cluster or image pulls allows.
#
#   deploy/check.sh [manifests|compose|systemd|image]...   (default: all four)
#
# manifests  parse and cross-check deploy/kubernetes/*.yaml (validate_k8s.py,
#            PyYAML); render the kustomization when kubectl is installed
# compose    `docker-compose config` (v1.29) and `docker compose config` (v2),
#            whichever are installed, on deploy/compose.yaml
# systemd    `systemd-analyze verify` on deploy/systemd/souk-agent.service, and
#            `systemd-analyze security --offline=yes` scores it at most 3.0
# image      build the registry and agent images from deploy/Dockerfile's
#            runtime stages (FROM scratch; the locally built binaries laid out
#            by deploy/rootfs.sh as its build stage would), start the agent's,
#            run the registry's read-only as Kubernetes would, wait for
#            /api/v1/health, stop it, remove both
#
# Binaries: SOUK_REGISTRY_BIN and SOUK_BIN (default: $CARGO_TARGET_DIR/debug/,
# built with cargo when missing). A check whose tool is missing is skipped with
# a message, except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
registry_bin=${SOUK_REGISTRY_BIN:-$target_dir/debug/souk-registry}
souk_bin=${SOUK_BIN:-$target_dir/debug/souk}

step() { printf '== deploy check: %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }
# A missing tool: fatal in CI, a visible skip elsewhere.
missing() {
  if [ "${CI:-}" = "true" ]; then fail "$1 (required in CI)"; fi
  printf 'SKIPPED: %s\n' "$1"
}

check_manifests() {
  step "Kubernetes manifests"
  local py=""
  for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
      py=$candidate
      break
    fi
  done
  if [ -z "$py" ]; then
    missing "no python3 with PyYAML (apt-get install -y python3-yaml)"
    return
  fi
  "$py" deploy/validate_k8s.py deploy/kubernetes/kustomization.yaml
  if command -v kubectl >/dev/null; then
    kubectl kustomize deploy/kubernetes >/dev/null
    echo "kubectl kustomize: ok"
  fi
}

check_compose() {
  step "compose file"
  local ran=0
  # The file insists on these; any value does for `config`.
  export POSTGRES_PASSWORD=check MEILI_MASTER_KEY=check
  if command -v docker-compose >/dev/null; then
    docker-compose -f deploy/compose.yaml config -q
    echo "docker-compose $(docker-compose version --short 2>/dev/null || echo v1) config: ok"
    ran=1
  fi
  if docker compose version >/dev/null 2>&1; then
    docker compose -f deploy/compose.yaml config -q
    echo "docker compose (v2) config: ok"
    ran=1
  fi
  [ "$ran" = 1 ] || missing "neither docker-compose nor docker compose is installed"
}

check_systemd() {
  step "systemd unit"
  if ! command -v systemd-analyze >/dev/null; then
    missing "systemd-analyze is not installed"
    return
  fi
  # verify insists that ExecStart exists: point it at the built `souk`.
  local bin tmp
  bin=$(readlink -f "$souk_bin" 2>/dev/null || true)
  [ -x "$bin" ] || bin=$(command -v true)
  tmp=$(mktemp -d)
  sed "s#^ExecStart=/usr/local/bin/souk #ExecStart=$bin #" deploy/systemd/souk-agent.service \
    >"$tmp/souk-agent.service"
  if ! out=$(systemd-analyze verify "$tmp/souk-agent.service" 2>&1); then
    rm -rf "$tmp"
    fail "systemd-analyze verify: $out"
  fi
  [ -z "$out" ] || printf '%s\n' "$out"
  echo "systemd-analyze verify: ok"
  # The sandboxing: at most 3.0 ("OK") on systemd's exposure scale.
  local score
  score=$(systemd-analyze security --offline=yes "$tmp/souk-agent.service" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  rm -rf "$tmp"
  [ -n "$score" ] || fail "systemd-analyze security --offline=yes gave no exposure level"
  awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' ||
    fail "systemd-analyze security: exposure $score, more than 3.0"
  echo "systemd-analyze security: exposure $score (at most 3.0)"
}

check_image() {
  step "container images"
  if ! docker info >/dev/null 2>&1; then
    missing "the Docker Engine is not reachable"
    return
  fi
  [ -x "$registry_bin" ] || cargo build -p souk-registry
  [ -x "$souk_bin" ] || cargo build -p souk
  local ctx tag agent_tag name
  ctx=$(mktemp -d)
  tag="souk-registry:check-$$"
  agent_tag="souk-agent:check-$$"
  name="souk-deploy-check-$$"
  # shellcheck disable=SC2064 # expand now: these are this run's names
  trap "docker rm -f $name >/dev/null 2>&1 || true; docker rmi -f $tag $agent_tag >/dev/null 2>&1 || true; rm -rf $ctx" RETURN

  # deploy/Dockerfile's runtime stages, verbatim, after a `build` stage that
  # holds what its real one would have made (/out), from this machine's
  # binaries: the Rust image cannot be pulled here, and the legacy builder
  # (no buildx) builds every stage before the target.
  sh deploy/rootfs.sh "$registry_bin" "$ctx/out/registry"
  sh deploy/rootfs.sh "$souk_bin" "$ctx/out/agent"
  mkdir -p "$ctx/out/data"
  if ldd "$ctx/out/registry/usr/local/bin/souk-registry" 2>/dev/null | grep -q libpq; then
    fail "souk-registry links a shared libpq: $(ldd "$registry_bin" | grep libpq)"
  fi
  {
    printf 'FROM scratch AS build\nCOPY out/ /out/\n'
    sed -n '/^# == runtime stages ==$/,$p' deploy/Dockerfile
  } >"$ctx/Dockerfile"
  grep -q '^FROM scratch AS registry$' "$ctx/Dockerfile" ||
    fail "deploy/Dockerfile has no '# == runtime stages ==' section with the registry stage"

  # (Its output only on failure: the legacy builder warns that it is deprecated.)
  local target t
  for target in agent registry; do
    t=$tag
    [ "$target" = agent ] && t=$agent_tag
    docker build -q -f "$ctx/Dockerfile" --target "$target" -t "$t" "$ctx" >"$ctx/build.log" 2>&1 ||
      { cat "$ctx/build.log" >&2; fail "docker build --target $target failed"; }
  done
  echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes) and $agent_tag from deploy/Dockerfile's runtime stages"
  for t in "$tag" "$agent_tag"; do
    [ "$(docker image inspect -f '{{.Config.User}}' "$t")" = "65532:65532" ] ||
      fail "$t does not run as the non-root user 65532"
  done
  # The agent needs a Docker Engine and a config to run: that it starts at all
  # (loader, libraries) is what the image can show here.
  docker run --rm --read-only "$agent_tag" --version >/dev/null ||
    fail "the agent image does not start"
  echo "agent image: starts ($(docker run --rm "$agent_tag" --version))"

  # As Kubernetes runs it: read-only root, a writable /tmp, data in a volume.
  docker run -d --name "$name" --read-only --tmpfs /tmp -p 127.0.0.1::8080 \
    -e SOUK_ADMIN_TOKEN=souk_DeployCheckAdminToken000000000000000 "$tag" >/dev/null
  local addr health=""
  addr=$(docker port "$name" 8080/tcp | head -n1)
  for _ in $(seq 1 60); do
    health=$(curl -sf "http://$addr/api/v1/health" 2>/dev/null || true)
    [ -n "$health" ] && break
    if [ "$(docker inspect -f '{{.State.Running}}' "$name")" != "true" ]; then break; fi
    sleep 0.5
  done
  if [ "$health" != '{"status":"ok"}' ]; then
    docker logs "$name" >&2 || true
    fail "the container did not answer /api/v1/health (got '$health')"
  fi
  echo "health: ok ($health from the container on $addr)"
  docker stop -t 10 "$name" >/dev/null
  local code
  code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || { docker logs "$name" >&2; fail "the registry exited with $code on SIGTERM"; }
  echo "stopped cleanly on SIGTERM"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(manifests compose systemd image)
for s in "${steps[@]}"; do
  case "$s" in
    manifests) check_manifests ;;
    compose) check_compose ;;
    systemd) check_systemd ;;
    image) check_image ;;
    *) fail "unknown check '$s' (manifests, compose, systemd, image)" ;;
  esac
done
echo "deploy check: ok (${steps[*]})"
