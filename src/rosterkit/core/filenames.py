"""File names made from sheet data (a class label, a student's name): safe on every system we hand files to."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_NAME_BYTES", "safe_name"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)  # Windows device names
MAX_NAME_BYTES = 120  # of UTF-8: 40 Chinese characters, leaving room for a suffix in a 255-byte file name


def safe_name(text: str) -> str:
    """A file-name part built from sheet data: no path separators, reserved characters or names, no invisible
    format characters (a right-to-left mark can disguise an extension), no leading dots, not too long."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = _UNSAFE.sub("_", text).strip(" .")
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    name = name.rstrip(" .")
    if _RESERVED.match(name):
        name = f"_{name}"
    return name or "未命名"
