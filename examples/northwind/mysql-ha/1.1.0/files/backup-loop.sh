#!/bin/sh
# Daily logical backup from the replica (managed by the souk template northwind/mysql-ha).
set -u
HOST="${components.mysql-replica.host}"
PORT="${components.mysql-replica.ports.mysql}"
HOUR="${params.backup_hour}"
KEEP="${params.backup_keep_days}"

while true; do
  if [ "$(date +%H)" -eq "$HOUR" ] && [ ! -f "/backup/.done-$(date +%F)" ]; then
    out="/backup/all-$(date +%F-%H%M).sql.gz"
    echo "backup: writing $out"
    if mysqldump -h"$HOST" -P"$PORT" -uroot -p"$MYSQL_ROOT_PASSWORD" --all-databases --single-transaction \
         --routines --triggers --events --set-gtid-purged=OFF | gzip > "$out.part"; then
      mv "$out.part" "$out" && touch "/backup/.done-$(date +%F)"
      find /backup -name 'all-*.sql.gz' -mtime +"$KEEP" -delete
      find /backup -name '.done-*' -mtime +"$KEEP" -delete
    else
      echo "backup: mysqldump failed" >&2; rm -f "$out.part"
    fi
  fi
  sleep 300
done
