#!/usr/bin/env bash
# Runs the suite on SQLite (with the browser tests), then on PostgreSQL.
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

run_pytest() {
  # pytest exit 5 means "no tests collected": that is a failure here, never a pass.
  "$BIN/pytest" "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then
    echo "pytest collected no tests: failing." >&2
    return 1
  fi
  return $rc
}

if [ "$which" = all ] || [ "$which" = sqlite ]; then
  echo "=== Test pass 1: SQLite (unit, integration and browser tests) ==="
  # `env -u` cannot run a shell function: unset in a subshell instead.
  run_pytest "${XDIST[@]}" "$@" || status=1
fi

if [ "$which" = all ] || [ "$which" = postgres ]; then
  echo "=== Test pass 2: PostgreSQL ($PG_URL) ==="
  if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
  then
    # Browser tests and the single_pass tests (their own processes and databases, or the
    # demo data of the embedded default) ran in the SQLite pass.
    DATABASE_URL="$PG_URL" run_pytest "${XDIST[@]}" -m "not e2e and not single_pass" "$@" || status=1
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is required in CI." >&2
    status=1
  else
    echo "NOTICE: PostgreSQL pass skipped: no server at $PG_URL (set TEST_POSTGRES_URL)."
  fi
fi
exit $status
