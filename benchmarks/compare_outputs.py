"""Compare two rosterkit output folders file by file: the same files, and each the same bytes.

    python benchmarks/compare_outputs.py OLD_OUT NEW_OUT

An .xlsx is compared member by member (the zip's own timestamps aside) with the time stamps of
``docProps/core.xml`` blanked: two runs of the same code on the same inbox then compare equal, so any difference
printed is one a refactoring made. Exit 0 when equal, 1 otherwise (each difference printed, the first lines of a
differing XML member shown).
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        out = {i.filename: z.read(i) for i in z.infolist()}
    if "docProps/core.xml" in out:
        out["docProps/core.xml"] = _STAMP.sub(rb"\1\2", out["docProps/core.xml"])
    return out


def _first_difference(a: bytes, b: bytes) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return (f"at byte {i}: …{a[max(0, i - 60):i + 60].decode('utf-8', 'replace')}… ≠ "
            f"…{b[max(0, i - 60):i + 60].decode('utf-8', 'replace')}…")


def compare(old: Path, new: Path) -> list[str]:
    """The differences between two output folders, one line each (empty: the same)."""
    a = {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
    b = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    diffs = [f"only in {old}: {p}" for p in sorted(a - b)] + [f"only in {new}: {p}" for p in sorted(b - a)]
    for rel in sorted(a & b):
        x, y = old / rel, new / rel
        if rel.suffix.lower() in (".xlsx", ".xlsm") and zipfile.is_zipfile(x) and zipfile.is_zipfile(y):
            mx, my = _members(x), _members(y)
            if list(mx) != list(my):
                diffs.append(f"{rel}: members differ: {sorted(set(mx) ^ set(my)) or 'order'}")
            diffs += [f"{rel}!{m}: {_first_difference(mx[m], my[m])}" for m in mx if m in my and mx[m] != my[m]]
        elif x.read_bytes() != y.read_bytes():
            diffs.append(f"{rel}: {_first_difference(x.read_bytes(), y.read_bytes())}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    old, new = Path(args[0]), Path(args[1])
    diffs = compare(old, new)
    files = sum(1 for p in old.rglob("*") if p.is_file())
    for d in diffs:
        print(d)
    print(f"{files} files compared: {'the same' if not diffs else f'{len(diffs)} differences'}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
