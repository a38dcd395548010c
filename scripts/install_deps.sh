#!/usr/bin/env bash
# System packages mltui builds and tests against (Debian names), installed only when missing.
# Sourced by scripts/demo and scripts/test; pass "build" for what building needs, "test" for more.
set -euo pipefail
mltui_install_deps() {
    local packages=(libncursesw5-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libpng-dev libjpeg62-turbo-dev libpq-dev pkg-config binutils)
    [ "${1:-build}" = "test" ] && packages+=(tmux less vim sqlite3 openssl nghttp2-proxy tinyproxy postgresql haproxy man-db file zsh fish)
    local missing=()
    for pkg in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        $sudo apt-get update -q
        # policy-rc.d answering 101 keeps Debian's maintainer scripts from starting the daemons
        # these packages ship (tinyproxy, nghttpx, PostgreSQL, haproxy) while they install.
        local policy=/usr/sbin/policy-rc.d ours=""
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && ours=1
        fi
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" || { [ -n "$ours" ] && $sudo rm -f "$policy"; return 1; }
        [ -n "$ours" ] && $sudo rm -f "$policy"
    fi
    mltui_disable_daemons
}

# The tests start tinyproxy, nghttpx, PostgreSQL (initdb into a temporary folder) and haproxy as
# user processes on free ports; the system services the packages install stay disabled and
# stopped, so testing leaves no service behind.
mltui_disable_daemons() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    local unit
    for unit in tinyproxy nghttpx postgresql haproxy; do
        if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled "$unit.service" >/dev/null 2>&1; then
            echo "==> disabling the $unit system service (the tests run their own)"
            $sudo systemctl disable "$unit.service" >/dev/null 2>&1 || true
        fi
        if [ -d /run/systemd/system ] && systemctl is-active "$unit.service" >/dev/null 2>&1; then
            $sudo systemctl stop "$unit.service" || true
        fi
        if [ -x "/etc/init.d/$unit" ] && command -v update-rc.d >/dev/null 2>&1 \
            && ls /etc/rc[2-5].d/S*"$unit" >/dev/null 2>&1; then
            $sudo update-rc.d "$unit" disable >/dev/null 2>&1 || true
        fi
    done
}
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
