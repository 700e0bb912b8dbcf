#!/bin/sh
# `tradecache <command>` on a host set up by scripts/install.sh (installed as
# /usr/local/bin/tradecache): runs the CLI as the service user with the service's environment,
# so `sudo tradecache users add alice` or `sudo tradecache ping` reach the same Redis (the
# embedded one included) with the same secrets as the running service.
set -eu

NODE=/usr/bin/node
APP_DIR=/opt/tradecache
ENV_FILE=/etc/tradecache/env

if [ "$(id -u)" -ne 0 ]; then
  echo "tradecache: run it with sudo: $ENV_FILE (the service's secrets) is readable by root only" >&2
  exit 2
fi

# The unit's defaults first, so that the env file can override them as it does for systemd.
NODE_ENV=production
TRADECACHE_DATA_DIR=/var/lib/tradecache
export NODE_ENV TRADECACHE_DATA_DIR
set -a
# shellcheck disable=SC1090 # written by install.sh: KEY=value lines
. "$ENV_FILE"
set +a

cd "$APP_DIR"
exec runuser -u tradecache -- "$NODE" --max-semi-space-size=64 "$APP_DIR/bin/tradecache.js" "$@"
