#!/bin/sh
# Create the Graylog inputs shipped with the template (run once at install).
set -eu
API="$1"   # http://<graylog>:9000/api, passed by the souk init job
for f in /souk/files/inputs/*.json; do
  title=$(sed -n 's/.*"title": "\(.*\)".*/\1/p' "$f" | head -n 1)
  if curl -fsS -u "admin:$ADMIN_PASSWORD" "$API/system/inputs" | grep -q "\"title\":\"$title\""; then
    echo "input exists: $title"
    continue
  fi
  curl -fsS -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' -H 'X-Requested-By: souk' \
       -X POST --data @"$f" "$API/system/inputs"
  echo "created input: $title"
done
