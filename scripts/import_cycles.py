"""No import circles between the project's modules (tests and migrations aside).

Builds the import graph with grimp (import-linter's engine; imports inside functions count
too) and prints every strongly connected component of more than one module. Exit 1 when
there is one. `make test` runs it before pytest:

    uv run --frozen --no-sync python scripts/import_cycles.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import grimp  # noqa: E402

PACKAGES = [name for name in ("shop", "catalog", "merchants", "delivery", "communities", "cms", "bureau")
            if (ROOT / name / "__init__.py").exists()]


def skipped(module: str) -> bool:
    return ".tests" in module or ".migrations" in module


def circles() -> list[list[str]]:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    modules = sorted(m for m in graph.modules if not skipped(m))
    known = set(modules)
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in known) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:  # Tarjan's algorithm, iterative
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if child < len(edges[node]):
                work.append((node, child + 1))
                target = edges[node][child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def main() -> int:
    found = circles()
    for component in found:
        print("import circle:", " <-> ".join(component))
    print(f"{len(found)} import circles among the modules of {', '.join(PACKAGES)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
