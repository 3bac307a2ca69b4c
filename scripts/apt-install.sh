# Sourced by the ensure-*-deps scripts: apt_install LABEL PACKAGE... installs Debian packages
# quietly, as root or through sudo, and says what it installed on stderr.
apt_install() {
    local label=$1
    shift
    echo "$label: installing $*" >&2
    local sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo_cmd=(sudo)
        else
            echo "$label: need root (or sudo) to install: $*" >&2
            return 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    echo "$label: installed $*" >&2
}
