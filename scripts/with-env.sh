#!/usr/bin/env bash
# scripts/with-env.sh PROFILE CMD...: run CMD with the environment of scripts/env.sh.
#   scripts/with-env.sh test uv run pytest
#   scripts/with-env.sh dev python manage.py shell
set -euo pipefail
[ "$#" -ge 2 ] || { echo "usage: $0 dev|test CMD..." >&2; exit 2; }
export MARKET_ENV="$1"
shift
# shellcheck source=scripts/env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec "$@"
