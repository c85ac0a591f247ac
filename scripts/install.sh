#!/usr/bin/env bash
# Make sure uv exists (pip install uv when it is missing), then install the locked dependencies
# into .venv with the machine's Python (pyproject.toml: python-downloads = "never").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.local/bin:$PATH"

log() { printf '[install] %s\n' "$*" >&2; }

if ! command -v uv >/dev/null 2>&1; then
    log "uv is missing: installing it with pip"
    if command -v pip >/dev/null 2>&1 && pip install --quiet uv; then
        :
    elif python3 -m pip install --quiet uv 2>/dev/null; then
        :
    elif python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null; then
        :
    else
        # Debian's python3 ships without pip.
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip >/dev/null
        python3 -m pip install --quiet --break-system-packages uv
    fi
    hash -r
    command -v uv >/dev/null 2>&1 || { log "ERROR: uv still not on PATH after pip install uv"; exit 1; }
fi

uv sync --frozen
