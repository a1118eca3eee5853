#!/bin/sh
# Lay out the root file system of a souk image: everything the binary needs at
# run time, for a `FROM scratch` stage to copy whole.
#
#   deploy/rootfs.sh BINARY DEST
#
# DEST/usr/local/bin/NAME   the binary (debug info stripped when `strip` exists)
# DEST/lib*, DEST/usr/lib*  the dynamic loader and every library `ldd` names
#                           (glibc's, libgcc_s: PostgreSQL's libpq and OpenSSL
#                           are linked into souk-registry statically)
# DEST/etc/ssl/certs        the CA certificates, when this machine has them
# DEST/etc/passwd, group    root and the non-root user souk (65532)
# DEST/tmp                  world-writable, sticky
#
# deploy/Dockerfile's build stage runs it on what it compiled; deploy/check.sh
# runs it on binaries built on this machine and builds the same runtime stages.
set -eu
bin=$1
dest=$2
name=$(basename "$bin")

mkdir -p "$dest/usr/local/bin" "$dest/etc/ssl/certs" "$dest/tmp"
chmod 1777 "$dest/tmp"
if command -v strip >/dev/null 2>&1; then
  strip --strip-debug -o "$dest/usr/local/bin/$name" "$bin"
else
  cp "$bin" "$dest/usr/local/bin/$name"
fi
chmod 0755 "$dest/usr/local/bin/$name"
# A static binary has no loader or libraries to copy.
if ldd "$bin" >/dev/null 2>&1; then
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do cp -L --parents "$lib" "$dest/"; done
fi
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/"
fi
printf 'root:x:0:0:root:/:/sbin/nologin\nsouk:x:65532:65532:souk:/nonexistent:/sbin/nologin\n' \
  >"$dest/etc/passwd"
printf 'root:x:0:\nsouk:x:65532:\n' >"$dest/etc/group"
