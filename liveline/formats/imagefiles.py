"""Walks an image file's structure to its end marker: what follows it, or is missing, is news.

Decoders stop at the end of the picture and ignore the rest, which is how a file can be a
valid JPEG and a valid HTML page or ZIP archive at once. Each walker returns a problem in
words ("has 812 bytes after the end of the picture"), or None for a file that is exactly
one picture.
"""

from __future__ import annotations

import struct
from collections.abc import Callable


def structure_problem(data: bytes, kind: str) -> str | None:
    walker: dict[str, Callable[[bytes], int | str]] = {
        "JPEG": _jpeg_end,
        "PNG": _png_end,
        "GIF": _gif_end,
        "WEBP": _webp_end,
    }
    try:
        end = walker[kind](data)
    except (IndexError, ValueError, struct.error):
        return "is truncated: it ends before the picture does"
    if isinstance(end, str):
        return end
    rest = data[end:]
    # Some cameras pad with zero bytes after the end; padding is not content.
    if rest.strip(b"\x00"):
        return f"has {len(rest)} bytes after the end of the picture (another file hidden in it?)"
    return None


def _jpeg_end(data: bytes) -> int | str:
    """Segments from SOI to EOI; entropy-coded data after each SOS is skipped byte-stuffing
    aware (FF 00 and restart markers belong to it)."""
    if data[:2] != b"\xff\xd8":
        return "does not start as a JPEG does"
    at = 2
    while True:
        if at + 2 > len(data):
            return "is truncated: it ends before the picture does"
        if data[at] != 0xFF:
            return f"is damaged: expected a segment marker at byte {at}"
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker == 0xD9:
            return at + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        length: int = struct.unpack(">H", data[at + 2 : at + 4])[0]
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while True:
                at = data.index(b"\xff", at)
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    at += 1 if following == 0xFF else 2
                    continue
                break


def _png_end(data: bytes) -> int | str:
    at = 8
    while True:
        length: int = struct.unpack(">I", data[at : at + 4])[0]
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if at > len(data):
            return "is truncated: it ends before the picture does"
        if kind == b"IEND":
            return at


def _gif_end(data: bytes) -> int | str:
    at = 13
    flags = data[10]
    if flags & 0x80:  # global colour table
        at += 3 * (2 ** ((flags & 7) + 1))
    while True:
        block = data[at]
        if block == 0x3B:  # trailer
            return at + 1
        if block == 0x21:  # extension: label, then sub-blocks
            at = _sub_blocks(data, at + 2)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
            local = data[at + 9]
            at += 10
            if local & 0x80:
                at += 3 * (2 ** ((local & 7) + 1))
            at = _sub_blocks(data, at + 1)
        else:
            return f"is damaged: unexpected block 0x{block:02x} at byte {at}"


def _sub_blocks(data: bytes, at: int) -> int:
    while True:
        size = data[at]
        at += 1 + size
        if size == 0:
            return at
        if at > len(data):
            raise IndexError("sub-block past the end")


def _webp_end(data: bytes) -> int | str:
    size: int = struct.unpack("<I", data[4:8])[0]
    end = 8 + size + (size & 1)
    if end > len(data) + (size & 1):
        return "is truncated: it ends before the picture does"
    return min(end, len(data))
