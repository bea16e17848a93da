"""The insights page under axe-core in headless Chromium: no serious or critical breach of
WCAG 2.x A/AA or of axe's best practices at a phone's 390 px or a desktop's 1280 px, and
no status told by colour alone."""

from __future__ import annotations

import pytest

from tests.chromium import Audit, Chromium, audit, executable
from tests.demo_page import demo_page
from tests.report_samples import cases

CASES = cases()
WIDTHS = (390, 1280)
STATUS_SYMBOLS = ("✔", "!", "✖", "∅", "·")
FAULTY = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Faulty</title>
</head><body><main><h1>Faulty</h1>
<p style="color:#aaa;background:#fff">Text too faint to read</p>
<img src="chart.png"><label>Store</label><input type="text" name="store">
<p><span class="status poor"></span> <span class="status good">Good</span>
<span class="status fair">!</span> <span class="status na">∅ No status</span></p>
</main></body></html>"""
"""A page with a known serious or critical breach of each kind: low-contrast text, an
image without a text alternative, a field without a label, and statuses in colour only
(empty), without a symbol, or without a word beside one that has both."""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Chromium:
    return Chromium(executable(), tmp_path_factory.mktemp("audited"))


@pytest.fixture(scope="module")
def audits(chromium: Chromium) -> dict[tuple[str, int], Audit]:
    """Every case at every width, one browser run per case."""
    return {
        (name, width): found
        for name, sample in CASES.items()
        for width, found in audit(chromium, sample.html(), WIDTHS).items()
    }


def told_by_colour_alone(statuses: list[str]) -> list[str]:
    """The status badges whose text is not a status symbol followed by a word."""
    return [
        text
        for text in statuses
        if not (
            (parts := text.split(maxsplit=1))
            and parts[0] in STATUS_SYMBOLS
            and len(parts) == 2
            and any(c.isalpha() for c in parts[1])
        )
    ]


def described(found: Audit) -> str:
    return "\n".join(
        f"{v.rule} ({v.impact}): {v.help}\n"
        + "\n".join(f"  {n['target']}: {n['summary']}" for n in v.nodes)
        for v in found.at_least_serious()
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_axe_finds_no_serious_or_critical_violation(
    audits: dict[tuple[str, int], Audit], name: str, width: int
) -> None:
    found = audits[name, width]
    assert found.viewport == width
    assert found.at_least_serious() == [], described(found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_status_shows_a_symbol_and_a_word(
    audits: dict[tuple[str, int], Audit], name: str
) -> None:
    scopes = 1 + len(CASES[name].document.by_store)
    for width in WIDTHS:
        statuses = audits[name, width].statuses
        assert len(statuses) >= scopes, statuses
        assert told_by_colour_alone(statuses) == []


def test_the_checks_find_what_a_faulty_page_gets_wrong(chromium: Chromium) -> None:
    """The controls: axe reports each breach of FAULTY at both widths, and the status check
    flags its badges without a symbol and a word."""
    for width, found in audit(chromium, FAULTY, WIDTHS).items():
        assert found.viewport == width
        rules = {v.rule for v in found.at_least_serious()}
        assert {"color-contrast", "image-alt", "label"} <= rules, described(found)
        assert told_by_colour_alone(found.statuses) == ["", "Good", "!"]


def test_the_demo_s_page_passes_too(chromium: Chromium) -> None:
    """The page `make demo` prints first, as the screenshots show it."""
    for width, found in audit(chromium, demo_page(), WIDTHS).items():
        assert found.viewport == width
        assert found.at_least_serious() == [], described(found)
        assert found.statuses and told_by_colour_alone(found.statuses) == []
