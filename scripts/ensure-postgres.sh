#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite.
# Starts the machine's cluster if it is installed but stopped; installs it from Debian's
# packages if it is missing (CI machines are root). Prints one line either way.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if command -v pg_isready >/dev/null 2>&1 && ready; then
  echo "postgres: already running"
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres: not installed; installing from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ -z "$(pg_lsclusters -h 2>/dev/null | awk '$2 == "main"')" ]; then
  pg_createcluster "$version" main >/dev/null
fi
# Trust auth on loopback, as the tests expect (a throwaway CI database, never production).
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q "preceptor-ci" "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust # preceptor-ci' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true

for _ in $(seq 1 30); do
  if ready; then
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" \
      | grep -q 1 || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
    echo "postgres: started"
    exit 0
  fi
  sleep 1
done
echo "postgres: did not start on 127.0.0.1:5432" >&2
exit 1
