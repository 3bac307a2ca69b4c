#!/usr/bin/env bash
# Install the system packages the test suite needs, if they are missing:
#   - Java (PySpark tests): openjdk-17-jre-headless when no `java` is on PATH;
#   - PostgreSQL server binaries: `postgresql` when no initdb is found (PATH or
#     /usr/lib/postgresql/*/bin) and no PostgreSQL server is reachable.
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

((${#packages[@]} == 0)) && exit 0

echo "ensure-system-deps: installing ${packages[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "ensure-system-deps: need root (or sudo) to install: ${packages[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "ensure-system-deps: installed ${packages[*]}" >&2
