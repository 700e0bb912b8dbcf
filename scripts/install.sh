#!/usr/bin/env bash
# Installs tradecache on a Debian/Ubuntu host without Docker, as a systemd service running
# `tradecache start` (API + worker; its own redis-server unless REDIS_URL is set). Re-running it
# upgrades in place: new code and dependencies are prepared next to the running ones, swapped
# in, and the service restarted; the data dir and the secrets are kept.
#
#   sudo scripts/install.sh                     # install or upgrade from this checkout
#   scripts/install.sh --dry-run                # print the plan, change nothing (no root needed)
#   sudo scripts/install.sh --from https://example.org/tradecache.git --ref v0.2.0
#   scripts/install.sh --prefix /tmp/stage      # stage the files under a directory only
#   scripts/install.sh --compose                # docker compose instead: write .env (secrets) only
set -euo pipefail

readonly SERVICE=tradecache
readonly SERVICE_USER=tradecache
readonly MIN_NODE_MAJOR=20
# Never in an installed copy: dependencies are installed fresh, local state stays local.
readonly COPY_EXCLUDES=(
  --exclude=./node_modules --exclude=./.git --exclude=./.tradecache --exclude=./data
  --exclude=./scratch --exclude=./test --exclude=./bench --exclude=./.bench-tmp
  --exclude=./coverage --exclude=./.env --exclude='./*.log'
)

usage() {
  cat <<'EOF'
Usage: scripts/install.sh [--dry-run] [--prefix DIR] [--from DIR|GIT_URL] [--ref REF]
       scripts/install.sh --compose [--dir DIR] [--dry-run]

Installs (or upgrades) tradecache as the systemd service `tradecache`:
  Node.js >= 20 check, redis-server (apt-get, when missing), system user `tradecache`,
  /var/lib/tradecache (data), /opt/tradecache (the app, built, `npm prune --omit=dev`),
  /etc/tradecache/env (0600, secrets generated with openssl when the file is absent),
  /etc/systemd/system/tradecache.service, /usr/local/bin/tradecache (the CLI as the service
  user), then `systemctl enable --now tradecache` (restart when it was already running).

  --dry-run       print every step and command, change nothing (root not needed)
  --prefix DIR    put the files under DIR instead of / (staging, packaging, tests); the system
                  steps (apt-get, useradd, chown, systemctl) are then listed but skipped
  --from SOURCE   a tradecache checkout or a git URL to install from (default: this checkout)
  --ref REF       branch or tag to clone with a git URL
  --compose       for docker compose instead: write DIR/.env (0600) with REDIS_PASSWORD,
                  AUTH_SECRET, ADMIN_TOKEN and CACHE_ENCRYPTION_KEYS from openssl rand, unless
                  a .env is already there (never overwritten); no root, no system change
  --dir DIR       with --compose: where .env goes, beside compose.yaml (default: this checkout)
  -h, --help      this help
EOF
}

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

# --- arguments ----------------------------------------------------------------------------
DRY_RUN=0
PREFIX=/
FROM=
REF=
COMPOSE=0
COMPOSE_DIR=
while (($# > 0)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --compose) COMPOSE=1 ;;
    --prefix | --from | --ref | --dir)
      (($# >= 2)) || { printf 'install.sh: %s needs a value (see --help)\n' "$1" >&2; exit 2; }
      case $1 in
        --prefix) PREFIX=$2 ;;
        --from) FROM=$2 ;;
        --ref) REF=$2 ;;
        --dir) COMPOSE_DIR=$2 ;;
      esac
      shift
      ;;
    --prefix=*) PREFIX=${1#*=} ;;
    --from=*) FROM=${1#*=} ;;
    --ref=*) REF=${1#*=} ;;
    --dir=*) COMPOSE_DIR=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'install.sh: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
  esac
  shift
done

# Builtins only up to the Node.js check, so that its message shows even on a bare PATH.
script=${BASH_SOURCE[0]}
[[ $script == */* ]] || script=./$script
REPO_DIR=$(cd "${script%/*}/.." && pwd)
[[ -z $COMPOSE_DIR ]] || ((COMPOSE)) || { printf 'install.sh: --dir goes with --compose (see --help)\n' >&2; exit 2; }
if ((COMPOSE)) && [[ $PREFIX != / || -n $FROM$REF ]]; then
  printf 'install.sh: --compose only writes .env: --prefix, --from and --ref do not apply (see --help)\n' >&2
  exit 2
fi
[[ -n $FROM ]] || FROM=$REPO_DIR
[[ $PREFIX == /* ]] || PREFIX=$PWD/$PREFIX
PREFIX=${PREFIX%/}
# SYSTEM=1: a real install on this host; 0: files staged under --prefix only.
if [[ -z $PREFIX ]]; then SYSTEM=1; else SYSTEM=0; fi

readonly APP_DIR=$PREFIX/opt/tradecache
readonly DATA_DIR=$PREFIX/var/lib/tradecache
readonly CONF_DIR=$PREFIX/etc/tradecache
readonly ENV_FILE=$CONF_DIR/env
readonly UNIT_FILE=$PREFIX/etc/systemd/system/$SERVICE.service
readonly CLI_FILE=$PREFIX/usr/local/bin/tradecache

# --- output and the dry-run switch --------------------------------------------------------
STEP=0
readonly STEPS=8
step() {
  STEP=$((STEP + 1))
  printf '\n==> [%d/%d] %s\n' "$STEP" "$STEPS" "$*"
}
note() { printf '    %s\n' "$*"; }
quote() {
  local out='' arg
  for arg in "$@"; do out+="$(printf '%q' "$arg") "; done
  printf '%s' "${out% }"
}
# Runs a command, or only shows it with --dry-run.
run() {
  if ((DRY_RUN)); then
    note "would run: $(quote "$@")"
  else
    note "+ $(quote "$@")"
    "$@"
  fi
}
# A command that changes the host itself: skipped when staging under --prefix.
run_system() {
  if ((SYSTEM)); then
    run "$@"
  else
    note "skip (--prefix): $(quote "$@")"
  fi
}

is_git_url() { [[ $1 =~ ^(https?|ssh|git|file)://|^[^/:]+@[^/:]+: ]]; }

# --- steps --------------------------------------------------------------------------------
check_node() {
  step "Node.js >= $MIN_NODE_MAJOR, npm, openssl, tar"
  local hint="Debian 13 and Ubuntu 24.10 or later: apt-get install -y nodejs npm; Debian 12 and Ubuntu 24.04 ship Node 18: install Node $MIN_NODE_MAJOR from NodeSource (https://github.com/nodesource/distributions) or https://nodejs.org, then run this script again."
  NODE=$(command -v node) || die "Node.js $MIN_NODE_MAJOR or newer is required and no \`node\` is on PATH. $hint"
  local version
  version=$("$NODE" -p 'process.versions.node' 2>/dev/null) || die "could not run $NODE to read its version. $hint"
  if ! [[ $version =~ ^[0-9]+\. ]] || ((${version%%.*} < MIN_NODE_MAJOR)); then
    die "Node.js $MIN_NODE_MAJOR or newer is required; $NODE is $version. $hint"
  fi
  note "node $version at $NODE"
  local tool
  for tool in npm openssl tar; do
    command -v "$tool" >/dev/null || die "\`$tool\` is required and not on PATH (apt-get install -y $tool)"
  done
  # The service runs as its own user, with /home and /root hidden (ProtectHome=yes).
  if [[ $NODE == /root/* || $NODE == /home/* ]]; then
    local msg="$NODE is under a home directory, which the $SERVICE_USER service cannot use; install Node.js system-wide (/usr/bin or /usr/local/bin)"
    if ((SYSTEM && !DRY_RUN)); then die "$msg"; fi
    note "warning: $msg"
  fi
}

ensure_redis() {
  step "redis-server (tradecache starts its own unless REDIS_URL is set)"
  if command -v redis-server >/dev/null; then
    note "found: $(command -v redis-server)"
    return
  fi
  command -v apt-get >/dev/null || ((!SYSTEM)) || die "redis-server is missing and apt-get is not available: install redis-server, then run this script again"
  run_system apt-get update
  run_system env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
  # The package also starts a Redis on 127.0.0.1:6379 that nothing would use: tradecache runs
  # its own (password, AOF under the data dir). A Redis that was already here is left alone.
  run_system systemctl disable --now redis-server
}

ensure_user() {
  step "system user $SERVICE_USER"
  if ((SYSTEM)) && id -u "$SERVICE_USER" >/dev/null 2>&1; then
    note "exists"
    return
  fi
  run_system useradd --system --user-group --home-dir /var/lib/tradecache --no-create-home \
    --shell /usr/sbin/nologin "$SERVICE_USER"
}

ensure_dirs() {
  step "directories: $DATA_DIR (data), $CONF_DIR (settings)"
  run install -d -m 0750 "$DATA_DIR"
  run_system chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"
  run install -d -m 0755 "$CONF_DIR"
}

install_app() {
  step "application in $APP_DIR (npm ci, build, npm prune --omit=dev)"
  local new=$APP_DIR.new old=$APP_DIR.old
  run rm -rf "$new" "$old"
  run install -d -m 0755 "$new"
  if is_git_url "$FROM"; then
    if [[ -n $REF ]]; then
      run git clone --quiet --depth 1 --branch "$REF" "$FROM" "$new"
    else
      run git clone --quiet --depth 1 "$FROM" "$new"
    fi
    run rm -rf "$new/.git"
  else
    [[ -f $FROM/package.json && -f $FROM/bin/tradecache.js ]] || die "$FROM is not a tradecache checkout (no package.json or bin/tradecache.js)"
    if ((DRY_RUN)); then
      note "would copy: $FROM -> $new (without node_modules, .git, data dirs, scratch, test, bench)"
    else
      note "+ copy $FROM -> $new"
      tar -C "$FROM" "${COPY_EXCLUDES[@]}" -cf - . | tar -C "$new" --no-same-owner -xf -
    fi
  fi
  # Every dependency first: `prepare` builds dist/ with TypeScript, a devDependency; then the
  # devDependencies go. The service runs dist/ only.
  run npm ci --prefix "$new" --no-audit --no-fund
  run npm prune --prefix "$new" --omit=dev --no-audit --no-fund
  # Imports the whole library, not just the CLI's entry (which loads its commands lazily).
  local check=(--input-type=module -e 'await import(process.argv[1])' "$new/dist/index.js")
  if ((DRY_RUN)); then
    note "would check: $(quote "$NODE" "${check[@]}")"
  else
    note "+ $(quote "$NODE" "${check[@]}") (the build loads)"
    "$NODE" "${check[@]}" >/dev/null || die "the new copy in $new does not load; the installed one is unchanged"
  fi
  # The running service keeps its open files; it picks up the new code when restarted (step 8).
  if [[ -d $APP_DIR ]]; then run mv "$APP_DIR" "$old"; fi
  run mv "$new" "$APP_DIR"
  run rm -rf "$old"
}

# The secrets every deployment needs, from openssl rand (never printed). Hex where a secret may
# end up in a URL; REDIS_PASSWORD is 64 characters, well above the seeds' 24.
generate_secrets() {
  REDIS_PASSWORD_GENERATED=$(openssl rand -hex 32)
  AUTH_SECRET_GENERATED=$(openssl rand -base64 48 | tr -d '\n')
  ADMIN_TOKEN_GENERATED=$(openssl rand -hex 32)
  ENCRYPTION_KEY_GENERATED=$(openssl rand -base64 32)
}
print_app_secrets() {
  printf 'AUTH_SECRET=%s\n' "$AUTH_SECRET_GENERATED"
  printf 'ADMIN_TOKEN=%s\n' "$ADMIN_TOKEN_GENERATED"
  printf 'CACHE_ENCRYPTION_KEYS=k1:%s\n' "$ENCRYPTION_KEY_GENERATED"
}

# Writes what function $2 prints to $1 (mode 0600), only where no file exists yet: the hard link
# is made only to a free name, so a file that appeared meanwhile is never replaced.
write_secret_file() {
  local dest=$1 content=$2 tmp
  tmp=$(umask 077 && mktemp "${dest%/*}/.env.XXXXXX")
  "$content" >"$tmp"
  chmod 0600 "$tmp"
  if ! ln "$tmp" "$dest" 2>/dev/null; then
    rm -f "$tmp"
    die "$dest appeared while writing it; kept as it is"
  fi
  rm -f "$tmp"
}

systemd_env() {
  printf '# tradecache settings, read by systemd (EnvironmentFile) and by /usr/local/bin/tradecache.\n'
  printf '# Written by scripts/install.sh, which never changes it afterwards. Variables: README.md,\n'
  printf '# "Configuration". Keep the secrets once in use: a new AUTH_SECRET invalidates every API\n'
  printf '# key and session; rotate CACHE_ENCRYPTION_KEYS by putting a new kid:key first.\n'
  print_app_secrets
  printf '# 0.0.0.0 to listen on every interface (default: this host only, e.g. behind a proxy).\n'
  printf 'HOST=127.0.0.1\n'
  printf 'PORT=8000\n'
  printf '# Unset: tradecache runs its own redis-server (data under /var/lib/tradecache/redis).\n'
  printf '#REDIS_URL=redis://:PASSWORD@redis.example.internal:6379/0\n'
}

write_env_file() {
  step "settings and secrets: $ENV_FILE (0600)"
  if [[ -e $ENV_FILE ]]; then
    # Replacing AUTH_SECRET would invalidate every API key and session: never done here.
    note "exists: kept as it is"
    return
  fi
  if ((DRY_RUN)); then
    note "would write: $ENV_FILE (mode 0600) with AUTH_SECRET, ADMIN_TOKEN and CACHE_ENCRYPTION_KEYS from openssl rand, HOST=127.0.0.1, PORT=8000"
    return
  fi
  generate_secrets
  write_secret_file "$ENV_FILE" systemd_env
  note "wrote $ENV_FILE with generated secrets (not shown; the admin token: sudo grep ADMIN_TOKEN $ENV_FILE)"
}

# Copies a shipped file, pointing it at the node found in step 1.
render() {
  local src=$1 dest=$2 mode=$3 expr=$4
  if ((DRY_RUN)); then
    note "would write: $dest (mode $mode) from ${src#"$APP_DIR"/}, node = $NODE"
    return
  fi
  note "+ write $dest from ${src#"$APP_DIR"/}"
  install -d -m 0755 "${dest%/*}"
  local tmp
  tmp=$(mktemp "${dest%/*}/.${dest##*/}.XXXXXX")
  sed "$expr" "$src" >"$tmp"
  chmod "$mode" "$tmp"
  mv "$tmp" "$dest"
}

install_unit() {
  step "systemd unit $UNIT_FILE and the command $CLI_FILE"
  render "$APP_DIR/deploy/tradecache.service" "$UNIT_FILE" 0644 "s|^ExecStart=/usr/bin/node |ExecStart=$NODE |"
  render "$APP_DIR/deploy/tradecache-cli.sh" "$CLI_FILE" 0755 "s|^NODE=/usr/bin/node\$|NODE=$NODE|"
}

start_service() {
  step "service $SERVICE: systemctl enable --now"
  local was_active=0
  if ((SYSTEM)) && systemctl is-active --quiet "$SERVICE" 2>/dev/null; then was_active=1; fi
  run_system systemctl daemon-reload
  run_system systemctl enable --now "$SERVICE"
  # enable --now leaves a running service alone: an upgrade needs a restart to load the new code.
  if ((was_active)); then run_system systemctl restart "$SERVICE"; fi
  if ((SYSTEM && !DRY_RUN)); then wait_ready; fi
}

wait_ready() {
  local port
  port=$(sed -n 's/^PORT=//p' "$ENV_FILE" | tail -n 1)
  # shellcheck disable=SC2016 # JavaScript, not shell
  "$NODE" -e '
    const url = `http://127.0.0.1:${process.argv[1] || 8000}/ready`;
    const deadline = Date.now() + 60_000;
    (async () => {
      for (;;) {
        try {
          if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) {
            console.log(`    ready: ${url}`);
            return;
          }
        } catch {}
        if (Date.now() > deadline) {
          console.error(`    not ready after 60 s (${url}): journalctl -u tradecache -n 50`);
          process.exit(1);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
  ' "$port"
}

compose_env() {
  printf '# Secrets of compose.yaml, written by scripts/install.sh --compose, which never changes this\n'
  printf '# file afterwards. Keep them once in use: Redis data and API keys depend on them (see\n'
  printf '# deploy/.env.example for what each one is).\n'
  printf 'REDIS_PASSWORD=%s\n' "$REDIS_PASSWORD_GENERATED"
  print_app_secrets
}

# --compose: the .env of compose.yaml (seed 003: the install generates REDIS_PASSWORD into .env
# and never replaces it). Only files in DIR change, so neither root nor Node.js is needed.
write_compose_env() {
  local dir=${COMPOSE_DIR:-$REPO_DIR}
  local env_file=${dir%/}/.env
  local mode=''
  if ((DRY_RUN)); then mode=' (dry run: nothing is changed)'; fi
  printf 'tradecache for docker compose: %s%s\n' "$env_file" "$mode"
  [[ -d $dir ]] || die "--dir $dir is not a directory"
  if [[ -e $env_file || -L $env_file ]]; then
    # Replacing it would lock compose out of its own Redis data and invalidate every API key.
    note "exists: kept as it is (delete it first to generate new secrets)"
    return
  fi
  command -v openssl >/dev/null || die "\`openssl\` is required and not on PATH (apt-get install -y openssl)"
  if ((DRY_RUN)); then
    note "would write: $env_file (mode 0600) with REDIS_PASSWORD, AUTH_SECRET, ADMIN_TOKEN and CACHE_ENCRYPTION_KEYS from openssl rand"
    return
  fi
  generate_secrets
  write_secret_file "$env_file" compose_env
  note "wrote $env_file with generated secrets (not shown; the admin token: grep ADMIN_TOKEN $env_file)"
  note "next: docker compose up -d --build"
}

# --- main ---------------------------------------------------------------------------------
if ((COMPOSE)); then
  write_compose_env
  exit 0
fi
if ((DRY_RUN)); then
  printf 'tradecache install plan (dry run: nothing is changed)\n'
else
  printf 'Installing tradecache\n'
fi
note "from: $FROM${REF:+ ($REF)}"
note "into: ${PREFIX:-/}"
if ((SYSTEM && !DRY_RUN && EUID != 0)); then
  die "run it as root (sudo $0), or see the plan with --dry-run"
fi

check_node
ensure_redis
ensure_user
ensure_dirs
install_app
write_env_file
install_unit
start_service

if ((DRY_RUN)); then
  printf '\nDry run: nothing was changed.\n'
elif ((SYSTEM)); then
  printf '\ntradecache is installed: systemctl status %s; sudo tradecache users add <userId>\n' "$SERVICE"
else
  printf '\nStaged under %s (no system change).\n' "$PREFIX"
fi
