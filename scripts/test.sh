#!/usr/bin/env bash
# Runs the suite on SQLite (with the browser tests) and on PostgreSQL, side by side.
# Usage: scripts/test.sh [sqlite|postgres|all] [extra pytest args]
# In CI (CI=true) a missing PostgreSQL or Redis is a failure; locally it is a notice.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
which=${1:-all}
shift || true

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/portal}
export REDIS_TEST_URL=${REDIS_TEST_URL:-redis://127.0.0.1:6379/15}
# Hermetic: every variable the settings read from the environment is unset, so a value
# left in the caller's shell (a demo password, a production database or broker, DEBUG=0)
# never leaks into a test; tests set what they need themselves.
for name in $(grep -ohE '(env_str|env_bool|env_int|env_list|os\.environ\.get)\("[A-Z0-9_]+"' \
    portal/settings.py | sed -E 's/.*\("//; s/"$//' | sort -u); do
  unset "$name"
done
# Both cores: pytest-xdist workers, each test module kept on one worker (--dist
# loadscope) so module-scoped fixtures (the browser, the seeded demo county) are built
# once per module, and handed out in collection order, the longest modules first
# (tests/conftest.py LONG_MODULES; xdist's own reorder would put them last, by their few
# tests). PYTEST_WORKERS=0 runs in one process.
WORKERS=${PYTEST_WORKERS:-2}
if [ "$WORKERS" != "0" ]; then
  XDIST=(-n "$WORKERS" --dist loadscope --no-loadscope-reorder)
else
  XDIST=()
fi
status=0

pg_reachable() {
  "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

# One migrated database per engine, built side by side on the two cores before the
# passes; each worker's test database is a copy of it instead of some 30 s of migrations
# (tests/dbtemplate.py: used only when built from these very migration files).
TEMPLATES=$(mktemp -d "${TMPDIR:-/tmp}/portal-test-templates.XXXXXX")
export PORTAL_TEST_DB_TEMPLATES=$TEMPLATES
cleanup() {
  if [ -f "$TEMPLATES/postgres.json" ]; then
    DATABASE_URL="$PG_URL" "$BIN/python" -m tests.dbtemplate drop "$TEMPLATES" || true
  fi
  rm -rf "$TEMPLATES"
}
trap cleanup EXIT
build_template() {  # engine label; the DATABASE_URL is the caller's (none for SQLite)
  if ! "$BIN/python" -m tests.dbtemplate build "$TEMPLATES" >"$TEMPLATES/$1.log" 2>&1; then
    echo "NOTICE: no $1 template (the workers migrate):" >&2
    cat "$TEMPLATES/$1.log" >&2
  fi
  touch "$TEMPLATES/$1.done"
}
await_template() {  # a background pass is not the builder's parent: it cannot `wait`
  while [ ! -e "$TEMPLATES/$1.done" ]; do sleep 1; done
}
pg_ok=0
if [ "$which" = all ] || [ "$which" = sqlite ]; then
  build_template sqlite &
fi
if [ "$which" = all ] || [ "$which" = postgres ]; then
  if pg_reachable; then
    pg_ok=1
    DATABASE_URL="$PG_URL" build_template postgres &
  fi
fi

run_pytest() {  # the pass's name, then pytest's arguments
  # pytest exit 5 means "no tests collected": that is a failure here, never a pass.
  local name=$1 rc load
  shift
  # The pass's wall time and CPU time (pytest, its workers and the processes they
  # start), with the machine's load average: on a machine shared with other work the
  # wall time alone says little.
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  local TIMEFORMAT="%0R s wall, %0U s user + %0S s sys CPU"
  { time "$BIN/pytest" "$@" 2>&4; } 4>&2 2>"$TEMPLATES/$name.time"
  rc=$?
  echo "=== $name pass: $(cat "$TEMPLATES/$name.time"); load average $load at its start," \
    "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?") at its end ==="
  if [ $rc -eq 5 ]; then
    echo "pytest collected no tests: failing." >&2
    return 1
  fi
  return $rc
}

# The two passes run side by side (PORTAL_TEST_PASSES=sequential: one after the other):
# each alone leaves a core idle a quarter of the time (a browser or a process started by
# a test being waited for, each pass's start and its last long module), so together
# they finish minutes sooner. The PostgreSQL pass writes to a log printed after the
# SQLite pass, and uses a Redis database of its own. It runs the tests that use the
# database (those without one — templates, validators, cleaning — run in the SQLite
# pass) and the `either_pass` ones; the browser tests and the `single_pass` ones run in
# the SQLite pass only.
#
# The split, measured (CONTRIBUTING.md, "the passes end together"): the SQLite pass has
# the browser tests, which come last (live-server tests empty the database after
# themselves), the demo story and the real Celery worker and beat; the `either_pass`
# modules — processes and PostgreSQL databases of their own (backup and restore, the
# production topology), minutes of waiting on them — go to the PostgreSQL pass so that
# both passes end at about the same time instead of the SQLite one working alone for
# its last minutes. (With the Celery modules too, the PostgreSQL pass ended last.)
postgres_pass() {
  await_template postgres
  DATABASE_URL="$PG_URL" REDIS_TEST_URL="$REDIS_POSTGRES_PASS_URL" PORTAL_TEST_DATABASE_ONLY=1 \
    run_pytest PostgreSQL "${XDIST[@]}" -m "not e2e and not single_pass" "$@"
}
redis_db=${REDIS_TEST_URL##*/}
REDIS_POSTGRES_PASS_URL=${REDIS_TEST_URL%/*}/$(( redis_db > 0 ? redis_db - 1 : redis_db + 1 ))
# The either_pass tests run once: in the PostgreSQL pass when there is one.
SQLITE_MARKS=()
if [ "$which" = all ] && [ "$pg_ok" = 1 ]; then
  SQLITE_MARKS=(-m "not either_pass")
fi
postgres_pid=""
if [ "$which" = all ] && [ "$pg_ok" = 1 ] && [ "${PORTAL_TEST_PASSES:-parallel}" != sequential ]; then
  postgres_pass "$@" >"$TEMPLATES/postgres-pass.log" 2>&1 &
  postgres_pid=$!
fi

if [ "$which" = all ] || [ "$which" = sqlite ]; then
  echo "=== Test pass 1: SQLite (unit, integration, demo and browser tests) ==="
  await_template sqlite
  run_pytest SQLite "${XDIST[@]}" "${SQLITE_MARKS[@]}" "$@" || status=1
fi

if [ "$which" = all ] || [ "$which" = postgres ]; then
  echo "=== Test pass 2: PostgreSQL ($PG_URL) ==="
  if [ -n "$postgres_pid" ]; then
    echo "(run beside the SQLite pass; its output:)"
    wait "$postgres_pid" || status=1
    cat "$TEMPLATES/postgres-pass.log"
  elif [ "$pg_ok" = 1 ]; then
    postgres_pass "$@" || status=1
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is required in CI." >&2
    status=1
  else
    echo "NOTICE: PostgreSQL pass skipped: no server at $PG_URL (set TEST_POSTGRES_URL)."
  fi
fi
exit $status
