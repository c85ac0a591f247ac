#!/usr/bin/env bash
# The browser of the browser tests (pytest -m browser, tests/browser.py): Debian's Chromium,
# driven by Playwright. Playwright's own browser downloads (`playwright install`) are never used.
#
#   scripts/chromium.sh install   install the Debian packages `chromium` and a Chinese font
#                                 (fonts-wqy-microhei, so screenshots show 中文, not boxes) when missing
#   scripts/chromium.sh status    which Chromium the tests will use
MARKET_SCRIPT=chromium
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM=/usr/bin/chromium  # tests/browser.py CHROMIUM

case "${1:-}" in
    install)
        apt_install chromium fonts-wqy-microhei
        [ -x "$CHROMIUM" ] || die "$CHROMIUM still missing after installing the package chromium"
        ;;
    status)
        if [ -x "$CHROMIUM" ]; then
            log "$("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
        else
            log "$CHROMIUM is missing (scripts/chromium.sh install)"
            exit 1
        fi
        ;;
    *) echo "usage: $0 install|status" >&2; exit 2 ;;
esac
