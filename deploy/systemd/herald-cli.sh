#!/bin/sh
# The `herald` command for a host that systemd runs (deploy/systemd/herald.service): it runs the
# CLI as the service's user, with the service's environment, so `herald server status`,
# `process show -d`, `server reload` … find the running host's control socket
# (<HERALD_DATA_DIR>/run/herald.sock, which only that user may open) and pass the same
# configuration checks. Install it as /usr/local/bin/herald (see deploy/systemd/README.md).
# The defaults match the unit; the variables below override them for another layout.
set -eu
user="${HERALD_SERVICE_USER:-herald}"
home="${HERALD_SERVICE_HOME:-/opt/herald}"
env_file="${HERALD_SERVICE_ENV_FILE:-/etc/herald/herald.env}"

if [ "$(id -un)" != "$user" ]; then
  # sudo drops the caller's environment; the overrides above are passed on explicitly.
  exec sudo -u "$user" HERALD_SERVICE_USER="$user" HERALD_SERVICE_HOME="$home" \
    HERALD_SERVICE_ENV_FILE="$env_file" HERALD_DATA_DIR="${HERALD_DATA_DIR:-/var/lib/herald}" -- "$0" "$@"
fi

# What the unit sets (Environment=), then its EnvironmentFile (KEY=value lines; the file wins).
PUSH_ENV=online
HERALD_DATA_DIR="${HERALD_DATA_DIR:-/var/lib/herald}"
export PUSH_ENV HERALD_DATA_DIR
if [ -r "$env_file" ]; then
  set -a
  . "$env_file"
  set +a
fi
# Help and hints name the command as it was typed (`herald server stop -force`, not `node …`).
HERALD_CLI_NAME="${HERALD_CLI_NAME:-$(basename "$0")}"
export HERALD_CLI_NAME
cd "$home"
exec node "$home/bin/herald.js" "$@"
