"""Text encoding of export files: BOMs, strict UTF-8, or a charset-normalizer guess on a prefix.

Excel's "CSV" is written in the PC's ANSI code page (cp1252 in the UK/AU, cp1254 in Türkiye);
only "CSV UTF-8" carries a BOM. Files are decoded line by line, so a stray non-UTF-8 byte deep
in a file that looked like UTF-8 is decoded with the fallback code page and flagged on its row
instead of failing the whole file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from charset_normalizer import from_bytes

PREFIX_BYTES = 256 * 1024
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UnreadableFile(Exception):
    """The bytes are not text in any candidate encoding (a binary file renamed .csv)."""


@dataclass(frozen=True)
class EncodingChoice:
    """How a file will be decoded; `guessed` files get an `encoding_fallback` warning."""

    encoding: str
    guessed: bool
    fallback: str


def _utf8_prefix_ok(prefix: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=False)
    except UnicodeDecodeError:
        return False
    return True


def looks_binary(prefix: bytes) -> bool:
    """NUL bytes or a ZIP/PDF/image signature in what should be text."""
    if prefix.startswith(_UTF16_BOMS):
        return False
    signatures = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0")
    return b"\x00" in prefix or prefix.startswith(signatures)


def detect_encoding(prefix: bytes, override: str, candidates: list[str]) -> EncodingChoice:
    """Choose the encoding of a file from its first bytes.

    Order: the profile's explicit encoding; a BOM; strict UTF-8; the profile's only candidate
    code page; else charset-normalizer choosing among the candidates (a guess, to be flagged).
    `fallback` decodes stray bad lines later.

    Raises:
        UnreadableFile: the prefix is binary or no candidate decodes it.
    """
    fallback = candidates[0] if candidates else "cp1252"
    if looks_binary(prefix):
        raise UnreadableFile("binary content")
    if override != "auto":
        return EncodingChoice(codecs.lookup(override).name, guessed=False, fallback=fallback)
    if prefix.startswith(codecs.BOM_UTF8):
        return EncodingChoice("utf-8-sig", guessed=False, fallback=fallback)
    if prefix.startswith(_UTF16_BOMS):
        return EncodingChoice("utf-16", guessed=False, fallback=fallback)
    if _utf8_prefix_ok(prefix):
        return EncodingChoice("utf-8", guessed=False, fallback=fallback)
    if len(candidates) == 1:  # the profile names the one code page its exports use: no guess
        return EncodingChoice(codecs.lookup(fallback).name, guessed=False, fallback=fallback)
    best = from_bytes(prefix, cp_isolation=candidates or None).best()
    if best is None:
        raise UnreadableFile("no candidate encoding decodes the file")
    chosen = codecs.lookup(best.encoding).name
    turkish = codecs.lookup("cp1254").name
    allowed = {codecs.lookup(c).name for c in candidates}
    # cp1252 and cp1254 differ in six letters: Turkish ş ı İ ğ read as Icelandic þ ý Ý ð.
    # Icelandic is not a clinic-export language here, so those letters mean Turkish.
    if chosen != turkish and turkish in allowed and any(ch in str(best) for ch in "ÞþÝýÐð"):
        chosen = turkish
    return EncodingChoice(chosen, guessed=True, fallback=fallback)


class LineDecoder:
    """Decodes a binary file line by line; counts lines that needed the fallback code page.

    Splitting on b"\\n" is safe for UTF-8 and single-byte code pages (0x0A never occurs inside a
    multi-byte sequence), and keeps memory flat however large the file is.
    """

    def __init__(self, stream: BinaryIO, choice: EncodingChoice) -> None:
        self._stream = stream
        self._choice = choice
        self.fallback_lines = 0

    def __iter__(self) -> Iterator[str]:
        encoding, fallback = self._choice.encoding, self._choice.fallback
        if encoding == "utf-16":
            yield from self._utf16()
            return
        first = True
        for raw in self._stream:
            if first and encoding == "utf-8-sig":
                raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                self.fallback_lines += 1
                yield raw.decode(fallback, errors="replace")

    def _utf16(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        pending = ""
        while chunk := self._stream.read(1 << 16):
            pending += decoder.decode(chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending
