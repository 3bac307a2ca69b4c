#!/usr/bin/env bash
# Install what `make bench` needs beyond the test dependencies, if it is missing:
#   - a JDK (javac) to compile bench/java/BenchClient.java: openjdk-17-jdk-headless;
#   - PostgreSQL's JDBC driver for the Java Hive Metastore: libpostgresql-jdbc-java
#     (/usr/share/java/postgresql.jar).
# Java itself and the PostgreSQL server are handled by scripts/ensure-system-deps.sh.
# Idempotent; prints nothing when everything is present.  Skip with METAHIVE_SKIP_SYSTEM_DEPS=1.
set -euo pipefail

[[ "${METAHIVE_SKIP_SYSTEM_DEPS:-}" == 1 ]] && exit 0

packages=()
command -v javac >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
[[ -f /usr/share/java/postgresql.jar ]] || packages+=(libpostgresql-jdbc-java)

((${#packages[@]} == 0)) && exit 0

echo "ensure-bench-deps: installing ${packages[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "ensure-bench-deps: need root (or sudo) to install: ${packages[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "ensure-bench-deps: installed ${packages[*]}" >&2
