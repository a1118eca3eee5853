#!/bin/sh
# Start GTID replication from the primary. Arguments: primary host, port, replication password.
set -eu
PRIMARY_HOST="$1"; PRIMARY_PORT="$2"; REPL_PASSWORD="$3"

i=0
until mysql -h"$PRIMARY_HOST" -P"$PRIMARY_PORT" -urepl -p"$REPL_PASSWORD" --get-server-public-key -e 'SELECT 1' >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "primary not reachable as repl after 5 minutes" >&2; exit 1; fi
  sleep 5
done

mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
STOP REPLICA;
CHANGE REPLICATION SOURCE TO
  SOURCE_HOST='$PRIMARY_HOST',
  SOURCE_PORT=$PRIMARY_PORT,
  SOURCE_USER='repl',
  SOURCE_PASSWORD='$REPL_PASSWORD',
  SOURCE_AUTO_POSITION=1,
  GET_SOURCE_PUBLIC_KEY=1;
START REPLICA;
SQL
mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e 'SHOW REPLICA STATUS\G' | grep -E 'Replica_(IO|SQL)_Running:'
