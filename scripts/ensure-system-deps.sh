#!/usr/bin/env bash
# Install the system packages the test suite needs, if they are missing:
#   - Java (PySpark tests): openjdk-17-jre-headless when no `java` is on PATH;
#   - PostgreSQL server binaries: `postgresql` when no initdb is found (PATH or
#     /usr/lib/postgresql/*/bin) (the reliability tests restart a cluster of their own);
#   - openssl (the TLS tests make a CA and certificates with it).
# Idempotent; prints nothing when everything is present.  Skip with METAHIVE_SKIP_SYSTEM_DEPS=1.
set -euo pipefail

[[ "${METAHIVE_SKIP_SYSTEM_DEPS:-}" == 1 ]] && exit 0

packages=()

if ! command -v java >/dev/null 2>&1; then
    packages+=(openjdk-17-jre-headless)
fi

have_initdb() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

postgres_reachable() {
    # An explicitly configured server counts as reachable (the tests report if it is not).
    [[ -n "${METAHIVE_TEST_POSTGRES_URL:-}" ]] && return 0
    timeout 3 bash -c '</dev/tcp/127.0.0.1/5432' >/dev/null 2>&1
}

if ! have_initdb && ! postgres_reachable; then
    packages+=(postgresql)
fi

# tests/reliability: the database-fault tests restart a throw-away cluster of their own (server
# binaries even when a server is reachable); the TLS tests make certificates with the openssl CLI.
if ! have_initdb && [[ " ${packages[*]-} " != *" postgresql "* ]]; then
    packages+=(postgresql)
fi
if ! command -v openssl >/dev/null 2>&1; then
    packages+=(openssl)
fi

((${#packages[@]} == 0)) && exit 0

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install ensure-system-deps "${packages[@]}"
