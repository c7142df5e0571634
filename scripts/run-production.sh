#!/usr/bin/env bash
# The production topology run natively, with DEBUG=0: gunicorn, a Celery worker and
# Celery beat on PostgreSQL and Redis -- the processes docker-compose.yml runs.
#
#   scripts/run-production.sh          start everything; Ctrl-C (or SIGTERM) stops it all
#   scripts/run-production.sh --check  start everything, prove each process works
#                                      (healthz 200, a task round trip through Redis,
#                                      beat ticking, a killed worker restarted while
#                                      the portal keeps answering), stop everything;
#                                      exit 0 or 1
#
# The script supervises what it started: a process that exits (crash, OOM, kill) is
# logged with the end of its log and started again after a back-off (1 s, doubling up
# to 60 s; back to 1 s once it has run for a minute); the others keep running.
#
# Environment, with defaults:
#   DATABASE_URL        postgres://postgres@127.0.0.1:5432/portal_prod (created if missing)
#   REDIS_URL           redis://127.0.0.1:6379/0
#   PORT                8001 (gunicorn binds 127.0.0.1:PORT)
#   WEB_CONCURRENCY     2 gunicorn workers;  CELERY_CONCURRENCY  2 worker processes
#   SECRET_KEY          generated once and kept in $PROD_DIR/secret_key
#   FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY  likewise ($PROD_DIR/field_encryption_keys, field_hash_key)
#   ALLOWED_HOSTS       127.0.0.1,localhost
#   SECURE_SSL_REDIRECT 0 (plain http on the loopback; a TLS proxy in front redirects)
#   PROD_DIR            var/prod: pid files, logs, the beat schedule
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${BIN:-$ROOT/.venv/bin}

mode=run
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

export DEBUG=0
export DJANGO_SETTINGS_MODULE=portal.settings
export PYTHONPATH=$ROOT # as in the image: `celery -A portal` finds the apps from anywhere
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_prod}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-2}
PORT=${PORT:-8001}
PROD_DIR=${PROD_DIR:-$ROOT/var/prod}
mkdir -p "$PROD_DIR"
PROD_DIR=$(cd "$PROD_DIR" && pwd)
NAMES=(web worker beat)

log() { echo "[run-production] $*"; }
die() { echo "[run-production] ERROR: $*" >&2; exit 1; }

# One instance per PROD_DIR. The lock is released when this script dies however it
# dies (children do not inherit the descriptor), so a leftover pid file below always
# means a previous run was killed before it could stop its children.
exec 9>"$PROD_DIR/lock"
flock -n 9 || die "another run-production.sh is using $PROD_DIR"

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# A pid file names one of our process groups only while a process of that group runs
# gunicorn or celery (after a reboot the number can belong to anything). The leader
# itself may be gone while its children (gunicorn or pool workers) still run.
ours() {
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do
    grep -qaE 'gunicorn|celery' "/proc/$p/cmdline" 2>/dev/null && return 0
  done
  return 1
}

# Stop the process groups named by pid files: SIGTERM to the leader (gunicorn's master
# and Celery's main process stop their own children gracefully), then SIGKILL to what
# is left of the group after 30 s. Each leader was started with setsid, so its pid is
# the group id.
stop_groups() {
  local name pid deadline
  local -a pids=()
  for name in "${NAMES[@]}"; do
    [ -f "$PROD_DIR/$name.pid" ] || continue
    pid=$(cat "$PROD_DIR/$name.pid")
    if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid"; then
      # The leader stops its children gracefully; without a leader, tell them directly.
      kill -TERM "$pid" 2>/dev/null || kill -TERM -- "-$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while group_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if group_alive "$pid"; then
      log "process group $pid did not stop in 30 s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for name in "${NAMES[@]}"; do rm -f "$PROD_DIR/$name.pid"; done
}

if ls "$PROD_DIR"/*.pid >/dev/null 2>&1; then
  log "stopping what a killed earlier run left behind"
  stop_groups
fi

started=0
SUPERVISOR=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  # Stopping must not be cut short: by a failing command, or by a closed stdout.
  trap '' PIPE
  set +e
  if [ -n "$SUPERVISOR" ]; then
    # First the supervisor, so that it does not restart what is being stopped.
    kill -TERM "$SUPERVISOR" 2>/dev/null
    wait "$SUPERVISOR" 2>/dev/null
  fi
  if [ $started -eq 1 ]; then
    log "stopping gunicorn, the Celery worker and beat"
    stop_groups
    log "stopped"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE # whoever read our output went away: still stop the children

# --- services, database, schema, static files ------------------------------------
[ -x "$BIN/python" ] || die "no virtualenv at $BIN (run make install)"
"$BIN/python" - <<'PY' || die "preflight failed (see above)"
import os
import sys

import dj_database_url
import psycopg
import redis
from psycopg import sql

cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
if cfg["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"DATABASE_URL must point at PostgreSQL, not {cfg['ENGINE']}")
conninfo = {
    "host": cfg["HOST"] or None,
    "port": cfg["PORT"] or None,
    "user": cfg["USER"] or None,
    "password": cfg["PASSWORD"] or None,
    "connect_timeout": 3,
}
try:
    psycopg.connect(dbname=cfg["NAME"], **conninfo).close()
except psycopg.OperationalError as exc:
    if "does not exist" not in str(exc):
        sys.exit(f"PostgreSQL unreachable at {cfg['HOST']}:{cfg['PORT']}: {exc}")
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
    print(f"[run-production] created database {cfg['NAME']}")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3).ping()
except redis.RedisError as exc:
    sys.exit(f"Redis unreachable at {os.environ['REDIS_URL']}: {exc}")
PY

if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s "$PROD_DIR/secret_key" ]; then
    (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$PROD_DIR/secret_key")
  fi
  SECRET_KEY=$(cat "$PROD_DIR/secret_key")
fi
export SECRET_KEY

# The keys of the ID and phone numbers encrypted at rest (portal/core/crypto.py), kept
# like the secret key: losing them loses those numbers.
for name in field_encryption_keys field_hash_key; do
  if [ ! -s "$PROD_DIR/$name" ]; then
    (umask 077 && "$BIN/python" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' >"$PROD_DIR/$name")
  fi
done
export FIELD_ENCRYPTION_KEYS=${FIELD_ENCRYPTION_KEYS:-$(cat "$PROD_DIR/field_encryption_keys")}
export FIELD_HASH_KEY=${FIELD_HASH_KEY:-$(cat "$PROD_DIR/field_hash_key")}

# SO_REUSEADDR as gunicorn sets it: a closed connection in TIME_WAIT does not count.
"$BIN/python" -c "import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $PORT)); s.close()" 2>/dev/null ||
  die "port $PORT is in use (set PORT)"

log "migrate"
"$BIN/python" manage.py migrate --no-input -v0
log "rebuild_standings --if-needed"
"$BIN/python" manage.py rebuild_standings --if-needed
log "collectstatic"
"$BIN/python" manage.py collectstatic --no-input -v0

# --- the processes ------------------------------------------------------------------
worker_args=()
if [ $mode = check ]; then
  # A node name and queue of its own, so a worker of another instance on the same
  # Redis cannot take the check's task.
  check_id="portal-check-$$-$RANDOM"
  worker_args=(-n "$check_id@%h" -Q "celery,$check_id")
fi

# Start a process in a session of its own (so its children can be found and stopped
# as one group), without the lock descriptor, logging to $PROD_DIR/<name>.log.
start() {
  local name=$1
  shift
  setsid "$@" </dev/null >>"$PROD_DIR/$name.log" 2>&1 9>&- &
  echo $! >"$PROD_DIR/$name.pid"
  log "$name started (pid $!, log $PROD_DIR/$name.log)"
}

beat_log_offset=$(stat -c %s "$PROD_DIR/beat.log" 2>/dev/null || echo 0)
start_web() { start web "$BIN/gunicorn" -c portal/gunicorn.conf.py --bind "127.0.0.1:$PORT"; }
start_worker() {
  start worker "$BIN/celery" -A portal worker --loglevel INFO \
    --concurrency "$CELERY_CONCURRENCY" \
    --max-memory-per-child "${CELERY_WORKER_MAX_MEMORY_PER_CHILD:-400000}" "${worker_args[@]}"
}
start_beat() {
  start beat "$BIN/celery" -A portal beat --loglevel INFO \
    --schedule "$PROD_DIR/celerybeat-schedule"
}
started=1
start_web
start_worker
start_beat

# Alive = the leader runs and is not a zombie waiting to be reaped.
leader_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ "$state" != Z* ]]
}

all_alive() {
  local name
  for name in "${NAMES[@]}"; do
    if ! leader_alive "$(cat "$PROD_DIR/$name.pid")"; then
      log "$name exited; the end of its log:"
      tail -n 20 "$PROD_DIR/$name.log" >&2
      return 1
    fi
  done
}

# The supervisor (a background subshell; cleanup stops it first): every second, each
# process whose leader is gone is logged, what is left of its group is killed (orphaned
# pool or gunicorn workers holding the port), and it is started again after its
# back-off. The others are not touched.
supervise() {
  trap 'exit 0' TERM
  declare -A delay=([web]=1 [worker]=1 [beat]=1) since=() due=()
  local name pid now
  for name in "${NAMES[@]}"; do since[$name]=$SECONDS; done
  while true; do
    sleep 1
    for name in "${NAMES[@]}"; do
      pid=$(cat "$PROD_DIR/$name.pid" 2>/dev/null) || continue
      if [ -n "${due[$name]:-}" ]; then
        if [ $SECONDS -ge "${due[$name]}" ]; then
          unset "due[$name]"
          "start_$name"
          since[$name]=$SECONDS
          log "$name restarted"
        fi
        continue
      fi
      leader_alive "$pid" && continue
      if [ $((SECONDS - since[$name])) -ge 60 ]; then delay[$name]=1; fi
      log "$name (pid $pid) exited; restarting in ${delay[$name]} s. The end of its log:"
      tail -n 20 "$PROD_DIR/$name.log" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
      due[$name]=$((SECONDS + delay[$name]))
      delay[$name]=$((delay[$name] * 2 > 60 ? 60 : delay[$name] * 2))
    done
  done
}

healthz_url="http://127.0.0.1:$PORT/healthz"
if ! "$BIN/python" scripts/healthcheck.py "$healthz_url" --wait 60; then
  all_alive || true
  die "gunicorn did not answer /healthz with 200"
fi
log "healthz 200 at $healthz_url"

supervise &
SUPERVISOR=$!

if [ $mode = run ]; then
  log "the portal runs at http://127.0.0.1:$PORT/ (DEBUG=0); Ctrl-C stops everything"
  log "a process that exits is restarted (see $PROD_DIR/<name>.log)"
  while true; do
    wait "$SUPERVISOR" && break
  done
  die "the supervisor stopped"
fi

# --- check mode ---------------------------------------------------------------------
ping_worker() {
  CHECK_ID=$check_id "$BIN/python" - <<'PY'
import os
import sys
import time
import uuid

import django

django.setup()
from django.core.cache import cache

from portal.core.tasks import ping

assert not ping.app.conf.task_always_eager, "REDIS_URL is set: tasks must go to the broker"
check_id = os.environ["CHECK_ID"]
key = f"ops-check:{uuid.uuid4().hex}"
ping.apply_async(kwargs={"reply_key": key}, queue=check_id)
deadline = time.monotonic() + 60
while (answer := cache.get(key)) is None and time.monotonic() < deadline:
    time.sleep(0.3)
cache.delete(key)
# kombu keeps each queue's bindings in Redis; drop those of the check's one-off queue
# after its last use (a send to a queue without bindings would be lost).
if os.environ.get("LAST_PING"):
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(
        f"_kombu.binding.{check_id}", f"_kombu.binding_permanent.{check_id}"
    )
if answer is None or not answer.startswith(f"pong {check_id}@"):
    sys.exit(f"no answer from worker {check_id} within 60 s (got {answer!r})")
print(f"[run-production] worker answered: {answer}")
PY
}
log "check: a task round trip through Redis to the worker"
ping_worker || die "the worker did not answer the ping task"

log "check: beat is running"
beat_started() { tail -c "+$((beat_log_offset + 1))" "$PROD_DIR/beat.log" | grep -q "beat: Starting"; }
for _ in $(seq 1 60); do
  beat_started && break
  sleep 0.5
done
beat_started || die "beat did not start (see $PROD_DIR/beat.log)"

all_alive || die "a process died during the check"

log "check: a killed worker is restarted while the portal keeps answering"
old_worker=$(cat "$PROD_DIR/worker.pid")
killed_at=$SECONDS
kill -KILL -- "-$old_worker"
restarted=0
for _ in $(seq 1 60); do
  "$BIN/python" scripts/healthcheck.py "$healthz_url" >/dev/null 2>&1 ||
    die "the portal stopped answering while the worker was down"
  new_worker=$(cat "$PROD_DIR/worker.pid")
  if [ "$new_worker" != "$old_worker" ] && leader_alive "$new_worker"; then
    restarted=1
    break
  fi
  sleep 0.5
done
[ $restarted -eq 1 ] || die "the worker was not restarted within 30 s"
log "worker restarted after $((SECONDS - killed_at)) s (pid $new_worker)"
LAST_PING=1 ping_worker || die "the restarted worker did not answer the ping task"
all_alive || die "a process died during the check"
log "check passed"
