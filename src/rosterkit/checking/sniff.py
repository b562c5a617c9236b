"""What a returned file really is, and whether it is safe to read, decided before any reader touches it.

Teachers' files come from every Excel and WPS, from phones and from other systems' exports: the extension says
little. We look at the first bytes and, for zip containers, at the zip directory only (no member is inflated),
so a zip bomb, a Word document or a PDF is refused cheaply and with a reason a person can act on.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MB = 1 << 20

# Deflate cannot do better than about 1032:1; real worksheets, even a million formatted empty rows, stay
# near 10-50:1. A big member far above that is built to inflate, not to be read.
MAX_RATIO = 250
RATIO_FLOOR = 5 * MB  # small parts (styles, an empty sheet) may compress oddly well; that is harmless
MAX_MEMBERS = 10_000
# openpyxl needs about a second and 20 MB of memory per MB of worksheet XML (a million formatted rows:
# 45 s, 1.7 GB). Above this the annotated copy is rebuilt from the values instead of loading the original.
OPENPYXL_XML_LIMIT = 16 * MB


def xml_limit() -> int:
    """Most bytes of XML (or of a plain file) we agree to read: ``$ROSTERKIT_MAX_XML_MB``, default 200 MB."""
    return _env_mb("ROSTERKIT_MAX_XML_MB", 200)


def _env_mb(name: str, default: float) -> int:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        value = default
    return int(max(value, 0.001) * MB)


@dataclass
class Sniff:
    """The verdict on one file.

    ``kind`` is the real format: xlsx, xlsm, xlsb, ods, xls, html, csv, xml2003, or a refusal kind (empty, zip,
    encrypted, other). ``refusal`` is ``(code, detail)`` when the file must not be read; ``xml_bytes`` the sum
    of the uncompressed sizes of a zip container's parts.
    """

    kind: str
    refusal: tuple[str, str] | None = None
    macros: bool = False
    xml_bytes: int = 0
    parts: list[str] = field(default_factory=list)

    @property
    def extension(self) -> str:
        """The extension this kind of file should carry (``.xlsx`` …); '' for kinds that are not workbooks."""
        return {"xlsx": ".xlsx", "xlsm": ".xlsm", "xlsb": ".xlsb", "ods": ".ods", "xls": ".xls"}.get(self.kind, "")


# Leading bytes of files that are not spreadsheets, with the words a teacher knows them by.
_NOT_SHEETS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文件"), (b"\x89PNG", "图片（PNG）"), (b"\xff\xd8\xff", "图片（JPG）"), (b"GIF8", "图片（GIF）"),
    (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf", "7z 压缩包"), (b"{\\rtf", "RTF 文档"), (b"\x1f\x8b", "gz 压缩包"),
)


def sniff(path: Path) -> Sniff:
    """Look at ``path`` without reading it as a workbook; never raises for a file that exists."""
    size = path.stat().st_size
    if size == 0:
        return Sniff("empty", ("file-empty", ""))
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(ZIP_MAGIC) or (head.startswith(b"PK") and path.suffix.lower() in (".xlsx", ".xlsm")):
        return _sniff_zip(path, size)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path, size)
    if size > xml_limit():
        return Sniff("other", ("file-too-large", f"文件有 {size / MB:.0f} MB"))
    for magic, what in _NOT_SHEETS:
        if head.startswith(magic):
            return Sniff("other", ("file-not-spreadsheet", what))
    text = _text_kind(head)
    if text == "text":
        return Sniff("other", ("file-not-spreadsheet", "纯文本文件（不是表格）"))
    if text:
        return Sniff(text)
    return Sniff("other", ("file-not-spreadsheet", "无法识别的文件"))


def _sniff_zip(path: Path, size: int) -> Sniff:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            small = {_norm(i.filename): i for i in infos if i.file_size < MB}
            head = {key: zf.read(small[key])[:4000] for key in ("mimetype", "[content_types].xml") if key in small}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        # No readable zip directory: the end of the file is missing (a download or copy cut short).
        return Sniff("zip", ("file-unreadable", "文件不完整，可能没有下载或传完"))
    names = [i.filename for i in infos]
    normed = {_norm(n) for n in names}
    total = sum(i.file_size for i in infos)
    kind = _zip_kind(normed, head.get("mimetype", b""), head.get("[content_types].xml", b""))
    found = Sniff(kind, xml_bytes=total, parts=names)
    if len(infos) > MAX_MEMBERS:
        found.refusal = ("file-too-large", f"压缩包内有 {len(infos)} 个部件")
    elif total > xml_limit():
        found.refusal = ("file-too-large", f"解压后有 {total / MB:.0f} MB，超过上限 {xml_limit() / MB:.0f} MB")
    elif any(i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
        found.refusal = ("file-too-large", "压缩比异常（可能是「压缩炸弹」）")
    elif kind in ("docx", "pptx"):
        found.refusal = ("file-not-spreadsheet", "Word 文档" if kind == "docx" else "PowerPoint 演示文稿")
    elif kind == "zip":
        found.refusal = ("file-not-spreadsheet", "压缩包，请解压后提交其中的表格" if names else "空的压缩包")
    found.macros = any(_is_macro_part(n) for n in normed)
    if found.macros and kind == "xlsx":
        found.kind = "xlsm"
    return found


def _norm(name: str) -> str:
    # Some writers put Windows separators in zip names; readers accept them, so must we.
    return name.replace("\\", "/").lstrip("/").lower()


def _zip_kind(names: set[str], mimetype: bytes, types: bytes) -> str:
    """The kind of a zip container, from its declared content types first, then from its part names."""
    if b"spreadsheetml.sheet.main" in types or b"sheet.macroEnabled.main" in types \
            or b"spreadsheetml.template.main" in types or "xl/workbook.xml" in names:
        return "xlsx"
    if b"sheet.binary.macroEnabled" in types or "xl/workbook.bin" in names:
        return "xlsb"
    if b"opendocument.spreadsheet" in mimetype or ("content.xml" in names and not mimetype):
        return "ods"
    if b"wordprocessingml" in types or "word/document.xml" in names or b"opendocument.text" in mimetype:
        return "docx"
    if b"presentationml" in types or "ppt/presentation.xml" in names or b"opendocument.presentation" in mimetype:
        return "pptx"
    return "zip"


def _is_macro_part(name: str) -> bool:
    low = name.lower()
    # VBA projects, and Excel 4.0 macro sheets (XLM), which run without any VBA part.
    return low.endswith("vbaproject.bin") or low.startswith(("xl/macrosheets/", "xl/dialogsheets/"))


_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORD = "WordDocument".encode("utf-16-le")
_PPT = "PowerPoint Document".encode("utf-16-le")
_VBA = "_VBA_PROJECT_CUR".encode("utf-16-le")
_SCAN_LIMIT = 64 * MB  # the OLE directory of any file a class could return sits well inside this


def _sniff_ole(path: Path, size: int) -> Sniff:
    if size > xml_limit():
        return Sniff("xls", ("file-too-large", f"文件有 {size / MB:.0f} MB"))
    # The OLE directory holds stream names as UTF-16; they tell an encrypted .xlsx, a .doc and macros apart.
    found = Sniff("xls")
    with path.open("rb") as fh:
        data = fh.read(_SCAN_LIMIT)
    if _ENCRYPTED in data:
        return Sniff("encrypted", ("file-encrypted", ""))
    if _WORD in data and "Workbook".encode("utf-16-le") not in data:
        return Sniff("other", ("file-not-spreadsheet", "Word 文档"))
    if _PPT in data:
        return Sniff("other", ("file-not-spreadsheet", "PowerPoint 演示文稿"))
    found.macros = _VBA in data
    return found


def _text_kind(head: bytes) -> str | None:
    """html, xml2003 or csv for text files other systems export with an .xls name, text for other text,
    None for binary data."""
    text = decode_text(head, strict=False).lstrip("\ufeff \t\r\n").lower()
    if not text:
        return None
    if text.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "xml2003"
    if text.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<?xml", "<!--")) \
            or "<table" in text[:2000]:
        return "html"
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if printable < 0.95 * len(text):
        return None
    # A table has rows: at least two lines, nearly all split by the same delimiter. A line of prose is not one.
    lines = [line for line in text.splitlines() if line.strip()][:20]
    for delimiter in ("\t", ",", ";", "|"):
        if len(lines) >= 2 and sum(delimiter in line for line in lines) >= 0.8 * len(lines):
            return "csv"
    return "text"


def decode_text(data: bytes, *, strict: bool = True) -> str:
    """Text of an exported file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of
    GBK, what Chinese Windows systems write). With ``strict=False`` undecodable bytes become U+FFFD."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            # A 4 KB head may end inside a character: judge it without its last few bytes.
            if not strict:
                try:
                    return data[:-4].decode(enc)
                except UnicodeDecodeError:
                    continue
    return data.decode("utf-8", errors="replace")
