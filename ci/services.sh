#!/usr/bin/env bash
# Install (from Debian's packages) and start PostgreSQL and Redis on loopback
# for the test suite, then print the URLs to export:
#
#   eval "$(bash ci/services.sh)"   # sets SENDABLE_TEST_DB and SENDABLE_TEST_REDIS
#
# Made for a fresh Debian 12 machine as root with no systemd running; running
# it again is harmless (what is installed and running is left as it is).
# Progress goes to stderr; only the `export` lines go to stdout.
set -euo pipefail

REDIS_PORT="${SENDABLE_REDIS_PORT:-6379}"
ROLE="${SENDABLE_PG_ROLE:-sendable}"
PASSWORD="${SENDABLE_PG_PASSWORD:-sendable}"
DATABASE="${SENDABLE_PG_DATABASE:-sendable_test}"

say() { echo "services: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts servers)"

# -- install ---------------------------------------------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin)" ] && command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
BIN="$(pg_bin)"
[ -n "$BIN" ] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)"
VERSION="$(basename "$(dirname "$BIN")")"

# -- PostgreSQL ------------------------------------------------------------
# The package creates the cluster `main`; make one if it did not (or was removed).
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$VERSION main"; then
    say "creating the PostgreSQL $VERSION cluster main"
    pg_createcluster "$VERSION" main >&2
fi
PG_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"
mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    say "starting PostgreSQL $VERSION on 127.0.0.1:$PG_PORT"
    # pg_ctlcluster runs pg_ctl as the cluster's owner; with no systemd it starts it directly.
    # (Its default listen_addresses is localhost: loopback only.)
    pg_ctlcluster "$VERSION" main start >&2 || true
fi
for _ in $(seq 1 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.5
done
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" \
    || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT (see /var/log/postgresql/)"

psql_admin() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"); }
# The test role may create schemas in its own database (one scratch schema per test).
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    say "creating role $ROLE"
    psql_admin -c "CREATE ROLE \"$ROLE\" LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    say "creating database $DATABASE"
    # C collation: text sorts byte-wise, as SQLite sorts it.
    psql_admin -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >&2
fi
DB_URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PG_PORT/$DATABASE"
PGPASSWORD="$PASSWORD" psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" -d "$DATABASE" \
    -tAc "SELECT 1" >/dev/null || die "cannot log in to $DATABASE as $ROLE over TCP"

# -- Redis -----------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis_dir="${TMPDIR:-/tmp}/sendable-redis-$REDIS_PORT"
    mkdir -p "$redis_dir"
    # No persistence: test data only. Counters are rebuilt from the store on start.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$redis_dir" \
        --save '' --appendonly no --logfile "$redis_dir/redis.log" >&2
fi
for _ in $(seq 1 60); do
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.25
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] \
    || die "Redis does not answer on 127.0.0.1:$REDIS_PORT"

say "PostgreSQL $VERSION and Redis $(redis-server --version | sed -n "s/.*v=\([^ ]*\).*/\1/p") are up"
echo "export SENDABLE_TEST_DB=$DB_URL"
echo "export SENDABLE_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT/0"
