"""DynamoDB item sizes and capacity units, per the published AWS rules.

moto reports no real consumed capacity, so the benchmarks compute it from the items:

- attribute: UTF-8 bytes of its name + the size of its value;
- S: UTF-8 bytes; B: raw bytes; N: about 1 byte per two significant digits + 1
  (leading and trailing zeros trimmed); BOOL / NULL: 1 byte;
- SS / NS / BS: the sum of their elements;
- L / M: 3 bytes + the size of each element + 1 byte per element (map keys count as names).

Write units are counted per started 1 KB of item, read units per started 4 KB, with a
minimum of one unit (an absent item still costs a read).
"""

from __future__ import annotations

import base64
import math
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


def number_size(text: str) -> int:
    mantissa = text.strip().lstrip("+-").lower().split("e", 1)[0]
    digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    return math.ceil(len(digits) / 2) + 1


def _binary_size(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(base64.b64decode(value))


def value_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        return number_size(v)
    if kind == "B":
        return _binary_size(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in v)
    if kind == "NS":
        return sum(number_size(n) for n in v)
    if kind == "BS":
        return sum(_binary_size(b) for b in v)
    if kind == "L":
        return 3 + sum(value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(e) + 1 for k, e in v.items())
    raise ValueError(f"unknown attribute type {kind!r}")


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes of an item in the low-level (typed) wire format; 0 for no item."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Standard write request units of one item write (PutItem, UpdateItem, BatchWrite)."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def transactional_write_units(size: int) -> int:
    """TransactWriteItems: two write units per started 1 KB of each action's item."""
    return 2 * write_units(size)


def read_units(size: int, consistent: bool) -> float:
    """One read of `size` bytes (one item, or one Query/Scan page's total)."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def self_check() -> None:
    """The rules above on worked examples (run before every benchmark; cheap)."""
    assert number_size("0") == 1
    assert number_size("12345") == 4
    assert number_size("-1.500") == 2
    assert number_size("100") == 2
    assert item_size({"a": {"S": "héllo"}}) == 1 + 6
    assert item_size({"flag": {"BOOL": True}, "n": {"NULL": True}}) == 4 + 1 + 1 + 1
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "7"}]}}) == 1 + 3 + (2 + 1) + (2 + 1)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)
    # A 1,000-byte payload with two small numeric keys: about 1,042 bytes, as AWS reports.
    item = {
        "MyKeyPart": {"N": "31"},
        "MyKeySort": {"N": "5000"},
        "MyUnstructuredData": {"S": "x" * 1000},
    }
    assert item_size(item) == 9 + 2 + 9 + 2 + 18 + 1000
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert transactional_write_units(10) == 2
    assert read_units(0, True) == 1
    assert read_units(4097, False) == 1
