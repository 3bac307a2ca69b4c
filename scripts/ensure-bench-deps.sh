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

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install ensure-bench-deps "${packages[@]}"
