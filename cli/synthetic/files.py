"""Small but valid document files (PDF, baseline JPEG, PNG) built from the standard library.

Each file carries only a category title and a document number, never patient data. A file can be
padded to an exact size with zero bytes after the format's end marker (readers ignore trailing
bytes); padding is written by truncating, so on most filesystems large files stay sparse.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

MIME_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def document_bytes(extension: str, title: str, rng: random.Random) -> bytes:
    """A valid file of the given type: a one-page PDF, a 16x16 JPEG or a 24x16 PNG."""
    if extension == "pdf":
        return pdf_bytes(title)
    if extension == "jpg":
        return jpeg_bytes([rng.randrange(40, 220) for _ in range(4)])
    return png_bytes(24, 16, rng.randrange(256), rng.randrange(256))


def write_document(path: Path, content: bytes, size: int | None = None) -> int:
    """Write `content`, padded with zero bytes to `size` if larger; returns the file size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(content)
        if size is not None and size > len(content):
            handle.truncate(size)
    return max(len(content), size or 0)


def pdf_bytes(title: str) -> bytes:
    """A one-page PDF 1.4 showing `title` (ASCII), with a correct cross-reference table."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(width: int, height: int, red: int, blue: int) -> bytes:
    """An RGB PNG with a horizontal gradient."""
    rows = bytearray()
    for _ in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes((red, (x * 255) // max(1, width - 1), blue))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


# Baseline JPEG of flat 8x8 blocks: only DC coefficients, so one DC and a one-symbol AC table.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)  # standard luminance DC table
_DC_VALUES = tuple(range(12))


def jpeg_bytes(shades: list[int]) -> bytes:
    """A 16x16 greyscale baseline JPEG whose four 8x8 blocks have the given grey levels."""
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALUES)
    bits = _BitWriter()
    previous = 0
    for shade in shades[:4]:
        dc = 8 * (shade - 128)  # DCT of a flat block with quantiser 1
        diff, previous = dc - previous, dc
        size = abs(diff).bit_length()
        code, length = dc_codes[size]
        bits.put(code, length)
        if size:
            bits.put(diff if diff > 0 else diff + (1 << size) - 1, size)
        bits.put(0, 1)  # AC table's only code "0" = end of block
    segments = [
        b"\xff\xd8",
        _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        _segment(0xDB, b"\x00" + b"\x01" * 64),
        _segment(0xC0, b"\x08" + struct.pack(">HH", 16, 16) + b"\x01\x01\x11\x00"),
        _segment(0xC4, b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES)),
        _segment(0xC4, b"\x10" + bytes((1,) + (0,) * 15) + b"\x00"),
        _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        bits.flush(),
        b"\xff\xd9",
    ]
    return b"".join(segments)


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _huffman_codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    index = 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self._value = 0
        self._count = 0
        self._out = bytearray()

    def put(self, value: int, length: int) -> None:
        self._value = (self._value << length) | (value & ((1 << length) - 1))
        self._count += length
        while self._count >= 8:
            self._count -= 8
            byte = (self._value >> self._count) & 0xFF
            self._out.append(byte)
            if byte == 0xFF:
                self._out.append(0)  # byte stuffing
        self._value &= (1 << self._count) - 1

    def flush(self) -> bytes:
        if self._count:
            self.put((1 << (8 - self._count)) - 1, 8 - self._count)  # pad with 1-bits
        return bytes(self._out)
