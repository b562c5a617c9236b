"""An .xlsx package opened for byte-level edits: members are decompressed only when read, and written back as
their original compressed bytes unless changed.

Re-compressing every member of a teacher's workbook was most of the cost of a copy with one sheet added; a
member we did not change is copied as the exact bytes of the source (same CRC, sizes and method), and what we
did change is deflated at a low level (XML compresses well at any level; speed matters at 2,000 files).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from io import BytesIO
from pathlib import Path

__all__ = ["COMPRESS_LEVEL", "Package", "Unsupported"]

COMPRESS_LEVEL = 1  # ~2.5x faster than zlib's default 6; the few edited parts come out ~15% bigger
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory header
_END = struct.Struct("<4s4H2LH")  # end of central directory
_UTF8 = 0x800  # general purpose flag: the name is UTF-8
_LIMIT = 0xFFFF_FFFF


class Unsupported(Exception):
    """The source is not an .xlsx the byte-level path can edit safely: use the openpyxl path."""


class Package:
    """The members of the zip ``src``; :meth:`read` and :meth:`text` decompress, :meth:`write` saves a copy."""

    def __init__(self, src: Path | bytes) -> None:
        """Read the zip ``src`` (a path, or the file's bytes when the caller has them already)."""
        try:
            blob = src if isinstance(src, bytes) else Path(src).read_bytes()  # one read; the file is never held open
            with zipfile.ZipFile(BytesIO(blob)) as z:
                self.infos = z.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise Unsupported(f"not a zip: {exc}") from exc
        self.names = [i.filename for i in self.infos]
        if len(set(self.names)) != len(self.names) or len(self.names) >= 0xFFFF:
            raise Unsupported("duplicate zip members, or too many")
        self.lower = {n.lower() for n in self.names}
        self._raw: dict[str, bytes] = {}
        self._data: dict[str, bytes] = {}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}  # new members, written after the source's, in insertion order
        self.dropped: set[str] = set()
        view = memoryview(blob)
        for info in self.infos:  # the raw (compressed) bytes of each member
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Unsupported(f"encrypted or unusual compression: {info.filename}")
            if max(info.compress_size, info.file_size, info.header_offset) >= _LIMIT:
                raise Unsupported("zip64 member")
            head = bytes(view[info.header_offset:info.header_offset + _LOCAL.size])
            if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
                raise Unsupported(f"bad local header: {info.filename}")
            fields = _LOCAL.unpack(head)
            start = info.header_offset + _LOCAL.size + fields[-2] + fields[-1]  # after the name and extra field
            raw = bytes(view[start:start + info.compress_size])
            if len(raw) != info.compress_size:
                raise Unsupported(f"truncated member: {info.filename}")
            self._raw[info.filename] = raw

    def __contains__(self, name: str) -> bool:
        return (name in self._raw or name in self.added) and name not in self.dropped

    def read(self, name: str) -> bytes:
        """The member's current bytes (changed or original, decompressed and CRC-checked)."""
        for pending in (self.changed, self.added):
            if name in pending:
                return pending[name]
        if name not in self._data:
            info = self.infos[self.names.index(name)]
            raw = self._raw[name]
            try:
                data = zlib.decompress(raw, -15) if info.compress_type == zipfile.ZIP_DEFLATED else raw
            except zlib.error as exc:
                raise Unsupported(f"cannot inflate {name}: {exc}") from exc
            if zlib.crc32(data) != info.CRC or len(data) != info.file_size:
                raise Unsupported(f"bad CRC: {name}")
            self._data[name] = data
        return self._data[name]

    def head(self, name: str, marker: bytes, chunk: int = 16_384) -> bytes:
        """The member's beginning, inflated only as far as the first ``marker`` (the whole member, checked as
        :meth:`read` checks it, when there is none): a look at a sheet's views without its cells."""
        if name in self.changed or name in self.added or name in self._data or name not in self._raw:
            return self.read(name)
        if self.infos[self.names.index(name)].compress_type != zipfile.ZIP_DEFLATED:
            return self.read(name)
        raw, inflate, out = self._raw[name], zlib.decompressobj(-15), bytearray()
        try:
            for at in range(0, len(raw), chunk):
                seen = len(out)
                out += inflate.decompress(raw[at:at + chunk])
                if out.find(marker, max(0, seen - len(marker))) >= 0:
                    return bytes(out)
        except zlib.error:
            pass  # read() says what is wrong with it
        return self.read(name)

    def text(self, name: str) -> str:
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unsupported(f"{name} is not UTF-8") from exc

    def put(self, name: str, data: bytes | str) -> None:
        """Replace a member, or add a new one (a name differing only in case from an existing one is refused)."""
        blob = data.encode("utf-8") if isinstance(data, str) else data
        if name in self._raw:
            self.changed[name] = blob
        elif name.lower() in self.lower and name not in self.added:
            raise Unsupported(f"{name} clashes with an existing member")
        else:
            self.added[name] = blob
            self.lower.add(name.lower())

    def new_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2 …) that is not a member yet."""
        n = 1
        while pattern.format(n).lower() in self.lower:
            n += 1
        return pattern.format(n)

    def write(self, dest: Path) -> None:
        """Write the package: unchanged members as their source bytes, the rest deflated at COMPRESS_LEVEL."""
        stamp = self.infos[0].date_time if self.infos else (1980, 1, 1, 0, 0, 0)
        entries: list[tuple[str, zipfile.ZipInfo | None]] = [
            (i.filename, i) for i in self.infos if i.filename not in self.dropped]
        entries += [(n, None) for n in self.added]
        central: list[bytes] = []
        offset = 0
        with open(dest, "wb") as out:
            for name, info in entries:
                blob = self.changed.get(name) if info is not None else self.added[name]
                if blob is None:  # untouched: the source's compressed bytes, CRC and sizes
                    assert info is not None
                    raw, crc, size, method = self._raw[name], info.CRC, info.file_size, info.compress_type
                    date_time, attr = info.date_time, info.external_attr
                    made_by = info.create_system << 8 | info.create_version
                else:
                    comp = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
                    raw, crc, size, method = comp.compress(blob) + comp.flush(), zlib.crc32(blob), len(blob), 8
                    date_time = info.date_time if info is not None else stamp
                    attr = info.external_attr if info is not None else 0o600 << 16
                    made_by = info.create_system << 8 | info.create_version if info is not None else 3 << 8 | 20
                if max(len(raw), size, offset) >= _LIMIT:
                    raise Unsupported("the copy would need zip64")
                encoded = name.encode("utf-8")
                flags = _UTF8 if not encoded.isascii() else 0
                dos_time = (date_time[3] << 11) | (date_time[4] << 5) | (date_time[5] // 2)
                dos_date = ((max(date_time[0], 1980) - 1980) << 9) | (date_time[1] << 5) | date_time[2]
                out.write(_LOCAL.pack(b"PK\x03\x04", 20, flags, method, dos_time, dos_date, crc, len(raw), size,
                                      len(encoded), 0))
                out.write(encoded)
                out.write(raw)
                central.append(_CENTRAL.pack(b"PK\x01\x02", made_by, 20, flags, method, dos_time, dos_date, crc, len(raw),
                                             size, len(encoded), 0, 0, 0, 0, attr, offset) + encoded)
                offset += _LOCAL.size + len(encoded) + len(raw)
            directory = b"".join(central)
            out.write(directory)
            out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0))
