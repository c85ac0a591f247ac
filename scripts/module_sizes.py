"""No module of the project over 450 lines (migrations and the demo's data plan aside).

A module that grows past it does more than one job: split it by job (DESIGN.md, convention 11).
Prints every module over the limit, longest first, and exits 1 when there is one. `make lint`
(and so `make test`) runs it:

    uv run --frozen --no-sync python scripts/module_sizes.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 450
# Generated or data, not code: Django's migrations and the demo's seeded plan and catalogue.
EXEMPT = ("/migrations/", "shop/demo/")


def tracked_python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()
    return [ROOT / name for name in listed if not any(part in f"/{name}" for part in EXEMPT)]


def oversized() -> list[tuple[int, str]]:
    sizes = []
    for path in tracked_python_files():
        if path.exists():
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT:
                sizes.append((lines, str(path.relative_to(ROOT))))
    return sorted(sizes, reverse=True)


def main() -> int:
    found = oversized()
    for lines, name in found:
        print(f"{name}: {lines} lines (limit {LIMIT}): split it by job")
    print(f"{len(found)} modules over {LIMIT} lines (migrations and shop/demo aside)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
