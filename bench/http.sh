#!/usr/bin/env bash
# Requests per second of souk-registry against nginx serving the same JSON
# from files, with the same load tool (wrk), on the same machine, one run.
#
# Usage: bench/http.sh [DURATION_SECONDS] [CONNECTIONS]
# Needs: nginx and wrk (apt-get install -y nginx-light wrk), and a release
# build: cargo build --release -p souk-registry
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
conns=${2:-32}
target=${CARGO_TARGET_DIR:-target}
registry_bin="$target/release/souk-registry"
[ -x "$registry_bin" ] || { echo "error: build it first: cargo build --release -p souk-registry" >&2; exit 1; }
command -v wrk >/dev/null || { echo "error: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "error: nginx is missing: apt-get install -y nginx-light" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  [ -n "${registry_pid:-}" ] && kill "$registry_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

SOUK_ADMIN_TOKEN=bench-admin-token-0123456789 SOUK_LOG=warn \
  "$registry_bin" serve --listen 127.0.0.1:18080 --data-dir "$work/data" --demo 2>"$work/registry.log" &
registry_pid=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/api/v1/health >/dev/null && break; sleep 0.2; done

resolve_path="/api/v1/templates/acme/smart-warehouse/resolve?req=%5E1&from=1.0.0"
doc_path="/api/v1/templates/acme/smart-warehouse"
mkdir -p "$work/www"
curl -sf "http://127.0.0.1:18080$resolve_path" > "$work/www/resolve.json"
curl -sf "http://127.0.0.1:18080$doc_path" > "$work/www/doc.json"

cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  server {
    listen 127.0.0.1:18081;
    location = /api/v1/templates/acme/smart-warehouse/resolve { alias $work/www/resolve.json; }
    location = /api/v1/templates/acme/smart-warehouse { alias $work/www/doc.json; }
  }
}
NGINX
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5

rps() { wrk -t2 -c"$conns" -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
printf '%-16s %14s %14s %8s\n' endpoint souk-registry nginx ratio
for name in resolve doc; do
  path_var="${name}_path"; path=${!path_var}
  s=$(rps "http://127.0.0.1:18080$path")
  n=$(rps "http://127.0.0.1:18081$path")
  printf '%-16s %14.0f %14.0f %8.2f\n' "$name" "$s" "$n" "$(echo "$s / $n" | bc -l)"
done
