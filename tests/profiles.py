"""How many examples property and stateful tests run: `ci` for `make test`, `soak` for
`make soak` (selected with the CSI_PROFILE environment variable).

The soak's weight is in the unit-speed properties (tests/unit, on the in-memory store);
the tests on the emulated AWS soak only as much as what only they show needs: DynamoDB's
conditions and transactions, the deployed template, the handlers end to end."""

from __future__ import annotations

import os

PROFILE = os.environ.get("CSI_PROFILE", "ci")


def examples(ci: int, soak: int) -> int:
    return soak if PROFILE == "soak" else ci
