"""Turning a sample's bytes into text: byte-order marks, encodings, binary junk, cut-off ends.

Glue keeps a UTF-8 BOM as part of the first column name (Athena then shows ``?``); here the BOM
is stripped and the encoding recorded so text SerDes can be told (``serialization.encoding``).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from classifiers.api import Sample

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "UTF-32BE"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
)
_CONTROL_OK = {"\t", "\n", "\r", "\x01", "\x0c"}


@dataclass(frozen=True)
class Text:
    text: str
    encoding: str  # as Java names it (serialization.encoding)
    bom: bool
    complete: bool  # False when the sample may end in the middle of a record


def decode(sample: Sample) -> Text | None:
    """Decode a sample as text, or None when it is binary (NULs, control characters)."""
    data = sample.head
    encoding, bom = "UTF-8", False
    for mark, name in _BOMS:
        if data.startswith(mark):
            data, encoding, bom = data[len(mark):], name, True
            break
    if not bom and len(data) >= 4 and data[1:4:2] == b"\0\0" and data[0] and data[2]:
        encoding = "UTF-16LE"  # ASCII text in UTF-16 without a BOM
    text = _decode_bytes(data, encoding, sample.complete)
    if text is None and encoding == "UTF-8":
        # Not UTF-8: ISO-8859-1 accepts every byte; binary data is caught by the control test.
        text, encoding = data.decode("latin-1"), "ISO-8859-1"
    if text is None or _looks_binary(text):
        return None
    return Text(text, encoding, bom, sample.complete)


def _decode_bytes(data: bytes, encoding: str, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        # final=False tolerates a multi-byte character cut at the end of a partial sample.
        return decoder.decode(data, final=complete)
    except UnicodeDecodeError as exc:
        if encoding == "UTF-8" and exc.start > 0 and not complete and exc.start >= len(data) - 3:
            return data[:exc.start].decode("utf-8")
        return None


def _looks_binary(text: str) -> bool:
    probe = text[:4096]
    if not probe:
        return False
    bad = sum(1 for ch in probe if ch < " " and ch not in _CONTROL_OK)
    return "\0" in probe or bad / len(probe) > 0.01

