#!/usr/bin/env bash
# System packages mltui builds and tests against (Debian names), installed only when missing.
# Sourced by scripts/demo and scripts/test; pass "build" for what building needs, "test" for more.
set -euo pipefail
mltui_install_deps() {
    local packages=(libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev libpng-dev libjpeg62-turbo-dev pkg-config)
    [ "${1:-build}" = "test" ] && packages+=(tmux less vim sqlite3 openssl nghttp2-proxy tinyproxy)
    local missing=()
    for pkg in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
}
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
