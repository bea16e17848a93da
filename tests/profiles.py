"""How many examples property and stateful tests run: `ci` for `make test`, `soak` for
`make soak` (selected with the CSI_PROFILE environment variable)."""

from __future__ import annotations

import os

PROFILE = os.environ.get("CSI_PROFILE", "ci")


def examples(ci: int, soak: int) -> int:
    return soak if PROFILE == "soak" else ci
