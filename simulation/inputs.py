"""Reading the files users hand to Quartier, and describing bad values in one short line.

Scenario and experiment files are a few kilobytes of UTF-8 TOML. Anything else a user can
point at by mistake (a folder, ``/dev/zero``, a Latin-1 or UTF-16 file, a spreadsheet) ends
in an :class:`InputError` whose message says what the file is and what to do, never in a
traceback or an unbounded read.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

__all__ = ["InputError", "read_text", "shorten", "MAX_INPUT_BYTES", "MAX_NAME_BYTES", "check_name_length",
           "describe_os_error"]

#: Largest scenario or experiment file read (1 MiB). The shipped files are 1-5 kB; a
#: scenario with every key set and 100 shocks stays below 50 kB.
MAX_INPUT_BYTES = 1 << 20

#: Longest single file or folder name accepted for outputs. Linux and macOS allow 255
#: bytes per name; Quartier adds a prefix of up to 40 bytes for its temporary siblings.
MAX_NAME_BYTES = 200


class InputError(ValueError):
    """A file given by the user cannot be read as text (message meant for users)."""


def shorten(value: object, limit: int = 60, quote: bool = True) -> str:
    """``repr(value)`` (or ``str`` with ``quote=False``), cut in the middle to about
    ``limit`` characters, so a megabyte-long bad value does not flood the message."""
    text = repr(value) if quote else str(value)
    if len(text) <= limit:
        return text
    keep = (limit - 5) // 2
    return f"{text[:keep]} ... {text[-keep:]} ({len(text):,} characters)"


def describe_os_error(exc: OSError) -> str:
    """A short English reason for an OS error, with the advice a user can act on."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device (free some space and try again)"
    if exc.errno == errno.ENAMETOOLONG:
        return f"a name or the whole path is too long (at most {MAX_NAME_BYTES} bytes per file or folder name)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def check_name_length(path: Path, what: str) -> None:
    """Refuse a path with a single name longer than :data:`MAX_NAME_BYTES`."""
    for part in Path(path).parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise InputError(
                f"{what} {shorten(path, 80, quote=False)}: the name {shorten(part, 30, quote=False)} is {len(os.fsencode(part))} bytes long; "
                f"allowed: at most {MAX_NAME_BYTES}"
            )


def _decode_problem(raw: bytes, exc: UnicodeDecodeError) -> str:
    head = raw[:512]
    utf16 = "is saved as UTF-16; save it as UTF-8 (in most editors: 'Save with encoding' > UTF-8)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return utf16
    if b"\x00" in head:
        # UTF-16 text without a BOM has a zero byte in every other place; anything else is binary.
        return utf16 if head[1::2].count(0) > 0.9 * len(head[1::2]) or head[::2].count(0) > 0.9 * len(head[::2]) \
            else "is a binary file, not a TOML text file"
    line = raw.count(b"\n", 0, exc.start) + 1
    byte = raw[exc.start]
    try:
        guess = f" ('{bytes([byte]).decode('cp1252')}' in Latin-1/Windows-1252)"
    except UnicodeDecodeError:
        guess = ""
    return (
        f"byte 0x{byte:02x}{guess} at position {exc.start} (line {line}) is not UTF-8; "
        "save the file as UTF-8 (in most editors: 'Save with encoding' > UTF-8)"
    )


def read_text(path: str | Path, what: str = "file", limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (a UTF-8 BOM is dropped).

    Raises :class:`InputError` naming the file and the problem: missing, a folder, not a
    regular file (a device or pipe such as ``/dev/zero``), too large, not UTF-8 (with the
    byte, its line, and the encoding to save in), or binary.
    """
    path = Path(path)
    name = shorten(path, 120, quote=False)
    a = "an" if what[:1] in "aeiou" else "a"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{name}: no such {what}") from None
    except NotADirectoryError:
        raise InputError(f"{name}: no such {what} (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read this {what} ({describe_os_error(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a folder; allowed: {a} {what} (TOML)")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{name}: is not a regular file (a device or pipe); allowed: {a} {what} (TOML)")
    if info.st_size > limit:
        raise InputError(f"{name}: {info.st_size:,} bytes; allowed: {a} {what} of at most {limit:,} bytes")
    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)  # the size can change between stat and read
    except OSError as exc:
        raise InputError(f"{name}: cannot read this {what} ({describe_os_error(exc)})") from None
    if len(raw) > limit:
        raise InputError(f"{name}: more than {limit:,} bytes; allowed: {a} {what} of at most {limit:,} bytes")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: {_decode_problem(raw, exc)}") from None
    if "\x00" in text:
        raise InputError(f"{name}: is a binary file, not a TOML text file")
    return text
