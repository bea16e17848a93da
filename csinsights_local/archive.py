"""JSON Lines archives read as the ingest queue would carry them.

Each line's text, exactly as written, is one SQS message body: nothing is parsed and
re-serialised here, so a repeated key, a 5,000-digit number or a deeply nested value
reaches the ingest handler as production's queue would deliver it, and is judged there.
Lines end at `\\n` only (JSON Lines; U+2028 or a form feed inside a line is not a line
break). A UTF-8 byte order mark at the start of the file (as some editors and spreadsheet
exports write) is taken off line 1 only — it belongs to the file, not to the first event;
a U+FEFF anywhere else is part of its line and reaches the handler as written. A line
that SQS itself would refuse (not UTF-8, characters outside the set SQS accepts, over its
size limit) never reaches a handler in production: it is reported as rejected by the
tool, with its line number and why, and still counted.

A file that is not JSON Lines at all (missing, a directory, empty, a pretty-printed JSON
document or array such as the `events/*.json` samples, a file none of whose lines holds a
JSON object, such as a CSV file) is an `ArchiveError` whose message says what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

# SQS's message size limit (256 KiB) and the characters it accepts in a body:
# #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
MAX_BODY_BYTES = 256 * 1024
BOM = b"\xef\xbb\xbf"
_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMAT = "JSON Lines: one event (a JSON object) per line"


class ArchiveError(Exception):
    """The file cannot be read as JSON Lines at all; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an archive: the message body to send, exactly as written."""

    number: int
    body: str


@dataclass(frozen=True, slots=True)
class Unsendable:
    """A line SQS would refuse as a message body: production never sees it."""

    number: int
    reason: str
    message: str


Entry = Line | Unsendable


def _unsendable(number: int, raw: bytes) -> Unsendable | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Unsendable(
            number,
            "invalid_utf8",
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}); "
            "an SQS message body must be Unicode text",
        )
    bad = _NOT_SQS_TEXT.search(text)
    if bad is not None:
        return Unsendable(
            number,
            "invalid_characters",
            f"character U+{ord(bad.group()):04X} at position {bad.start() + 1} "
            "is not allowed in an SQS message body",
        )
    if len(raw) > MAX_BODY_BYTES:
        return Unsendable(
            number,
            "too_large",
            f"{len(raw)} bytes, over SQS's {MAX_BODY_BYTES}-byte message limit",
        )
    return None


def split_lines(data: bytes) -> list[Entry]:
    """Every non-blank line, numbered from 1, as a message body or as unsendable. A UTF-8
    byte order mark that starts the file marks its encoding, not part of line 1: it is
    left out of line 1's body (and nothing else is changed)."""
    data = data.removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or _NOT_SQS_TEXT.search(text) is not None:
        return _judged_line_by_line(data)
    entries: list[Entry] = []
    for index, line in enumerate(text.split("\n")):
        if not line.strip(" \t\r"):
            continue
        if 4 * len(line) > MAX_BODY_BYTES and len(line.encode()) > MAX_BODY_BYTES:
            entries.append(_unsendable(index + 1, line.encode()) or Line(index + 1, line))
        else:
            entries.append(Line(index + 1, line))
    return entries


def _judged_line_by_line(data: bytes) -> list[Entry]:
    """A file with bytes or characters SQS refuses somewhere: each line judged on its own."""
    entries: list[Entry] = []
    for index, raw in enumerate(data.split(b"\n")):
        if not raw.strip(b" \t\r"):
            continue
        problem = _unsendable(index + 1, raw)
        entries.append(problem or Line(index + 1, raw.decode("utf-8")))
    return entries


def _not_json_lines(first: str, data: bytes, name: str) -> str | None:
    """A hint when the whole file is one JSON array, or JSON values spanning several lines
    (pretty-printed), rather than one value per line; None when it looks like JSON Lines.
    `first` is the file's first non-blank line."""
    first = first.strip()
    if not first.startswith("["):
        try:
            json.loads(first)
            return None  # its first line stands alone: JSON Lines, judged line by line
        except (ValueError, RecursionError):
            pass
    try:
        stripped = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    values, position, multiline = [], 0, False
    try:
        while position < len(stripped):
            value, end = decoder.raw_decode(stripped, position)
            multiline = multiline or "\n" in stripped[position:end]
            values.append(value)
            position = end
            while position < len(stripped) and stripped[position] in " \t\r\n":
                position += 1
    except (ValueError, RecursionError):
        return None  # not JSON as a whole either: a JSON Lines file with bad lines
    if len(values) == 1 and isinstance(values[0], list):
        return (
            f"{name} looks like a JSON array; expected {FORMAT} "
            f"— e.g. `jq -c '.[]' {name} > events.jsonl`"
        )
    if multiline:
        return (
            f"{name} looks like pretty-printed JSON; expected {FORMAT} "
            f"— e.g. `jq -c . {name} > events.jsonl`"
        )
    return None


def _holds_an_object(line: str) -> bool:
    """The line is one JSON object (or, past what Python's parser takes — nesting deeper
    than it recurses, a number longer than it converts — at least reads as one)."""
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False
    except (ValueError, RecursionError):
        text = line.strip(" \t\r")
        return text.startswith("{") and text.endswith("}")


def read_archive(path: Path) -> list[Entry]:
    """The archive's lines, or an `ArchiveError` saying why the file is not an archive."""
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"{name}: no such file (expected {FORMAT})") from None
    except IsADirectoryError:
        raise ArchiveError(f"{name} is a directory, not a file of {FORMAT}") from None
    except OSError as exc:
        raise ArchiveError(f"{name}: cannot read it: {exc.strerror or exc}") from None
    if not data:
        raise ArchiveError(f"{name} is empty: no events to read (expected {FORMAT})")
    entries = split_lines(data)
    if not entries:
        raise ArchiveError(f"{name} has only blank lines: no events (expected {FORMAT})")
    first = entries[0]
    body = first.body if isinstance(first, Line) else ""
    hint = _not_json_lines(body, data.removeprefix(BOM), name)
    if hint is not None:
        raise ArchiveError(hint)
    if not any(isinstance(entry, Line) and _holds_an_object(entry.body) for entry in entries):
        raise ArchiveError(
            f"{name}: no line holds a JSON object (an event); expected {FORMAT} "
            "— is it CSV, or another format?"
        )
    return entries
