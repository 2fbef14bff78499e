# shellcheck shell=bash
# Source this in CI (`. scripts/ci_postgres.sh`) to run the database tests against PostgreSQL as well.
#
# Starts a throw-away PostgreSQL cluster (trust auth, 127.0.0.1 only, a free port, data in a temp dir)
# and exports MOVIEREC_TEST_POSTGRES_URL pointing at an empty database in it. Sourcing it again reuses a
# cluster it started before (the state lives in $MOVIEREC_PG_STATE_DIR). When PostgreSQL cannot be
# installed or started it prints a notice and leaves the variable unset: those tests then skip, and
# .ci/run fails unless MOVIEREC_CI_WITHOUT_POSTGRES=1.
# Runs as root (CI: the server itself runs as the `postgres` OS user) or as an ordinary user.
# Stop the cluster with: pg_ctl -D "$MOVIEREC_PG_STATE_DIR/data" stop

_movierec_pg_setup() {
    local state="${MOVIEREC_PG_STATE_DIR:-${TMPDIR:-/tmp}/movierec-ci-postgres}"
    local bindir port run_as=()
    local database="movierec_test"

    # CI may source this under `set -euo pipefail`: every command that can fail is guarded.
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$bindir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 || true
        bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
    if [ -z "$bindir" ]; then
        echo "ci_postgres: PostgreSQL is not installed and could not be installed; PostgreSQL tests will skip"
        return 0
    fi
    if [ "$(id -u)" = 0 ]; then
        run_as=(runuser -u postgres --)  # initdb and postgres refuse to run as root
    fi

    if [ -f "$state/port" ] && "${run_as[@]}" "$bindir/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
        port="$(cat "$state/port")"
        export MOVIEREC_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/$database"
        echo "ci_postgres: reusing the PostgreSQL server on 127.0.0.1:$port ($state); MOVIEREC_TEST_POSTGRES_URL is set"
        return 0
    fi

    if [ -d "$state" ] && [ ! -f "$state/data/PG_VERSION" ] && [ -n "$(ls -A "$state" 2>/dev/null)" ]; then
        echo "ci_postgres: $state exists and is not a cluster of this script; PostgreSQL tests will skip"
        return 0
    fi
    "${run_as[@]}" "$bindir/pg_ctl" -D "$state/data" stop -m fast >/dev/null 2>&1 || true  # a stale server
    if ! { rm -rf "$state" && mkdir -p "$state"; } 2>/dev/null \
        || { [ "$(id -u)" = 0 ] && ! chown postgres "$state"; }; then
        echo "ci_postgres: cannot create $state; PostgreSQL tests will skip"
        return 0
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)"
    if ! "${run_as[@]}" "$bindir/initdb" -D "$state/data" -U postgres -A trust --no-sync >"$state/initdb.log" 2>&1 \
        || ! "${run_as[@]}" "$bindir/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
            -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null 2>&1 \
        || ! "${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database" >>"$state/initdb.log" 2>&1; then
        echo "ci_postgres: could not start PostgreSQL (logs in $state); PostgreSQL tests will skip"
        return 0
    fi
    echo "$port" >"$state/port"
    export MOVIEREC_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/$database"
    echo "ci_postgres: started PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($state); MOVIEREC_TEST_POSTGRES_URL is set"
}

_movierec_pg_setup
unset -f _movierec_pg_setup
