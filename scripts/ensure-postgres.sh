#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 and the test database exists.
# Uses a running server if there is one; else starts the installed cluster; else installs
# Debian's postgresql and starts it. The postgres role gets the password "postgres" so the
# URL works under both trust and password authentication.
set -euo pipefail
URL=${PG_TEST_URL:-postgresql://postgres:postgres@127.0.0.1:5432/xinyong_test}
DB=${URL##*/}
DB=${DB%%\?*}

answers() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! answers; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "PostgreSQL not installed: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi
answers || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

as_postgres() {
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  else
    su postgres -c "psql -d postgres -v ON_ERROR_STOP=1 -tAc \"$1\""
  fi
}
as_postgres "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
if [ "$(as_postgres "SELECT 1 FROM pg_database WHERE datname='${DB}'")" != "1" ]; then
  as_postgres "CREATE DATABASE \"${DB}\"" >/dev/null
fi
echo "PostgreSQL ready: ${URL%%:postgres@*}:***@${URL#*:postgres@}"
