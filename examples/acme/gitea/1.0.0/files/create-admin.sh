#!/bin/sh
# Create the first administrator. Arguments: user, email, password.
set -eu
USER_NAME="$1"; EMAIL="$2"; PASSWORD="$3"
run() { su git -s /bin/sh -c "gitea --config /data/gitea/conf/app.ini $*"; }
if run "admin user list --admin" | awk '{print $2}' | grep -qx "$USER_NAME"; then
  echo "administrator $USER_NAME exists"
  exit 0
fi
run "admin user create --admin --username '$USER_NAME' --email '$EMAIL' --password '$PASSWORD' --must-change-password=false"
