"""Headless Chromium from the command line: what a page shows and how it lays out at a
given width, and its screenshot, read through a framing page with a measuring script
(the report itself carries none).

Chromium runs with its own flags only (`--headless --dump-dom`, `--screenshot`); a fresh
profile directory per call keeps calls independent.
"""

from __future__ import annotations

import html
import json
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

WRAPPER = """<!doctype html><html><head><meta charset="utf-8">
<style>html,body{margin:0;padding:0}iframe{display:block;border:0}</style></head><body>
<iframe id="page" style="width:%(width)dpx;height:%(height)dpx" srcdoc="%(page)s"></iframe>
<script>
window.addEventListener('load', function () {
  var doc = document.getElementById('page').contentDocument, root = doc.documentElement;
  var width = root.clientWidth, out = [], tags = {};
  var summary = doc.getElementById('summary');
  var folded = {height: root.scrollHeight, text: doc.body.innerText,
    summary_height: summary ? summary.getBoundingClientRect().height : null,
    rows: Array.prototype.map.call(doc.querySelectorAll('table.summary tr[data-metric]'),
      function (e) {
        return {metric: e.getAttribute('data-metric'), status: e.getAttribute('data-status'),
                view: e.closest('table').getAttribute('data-view'), text: e.innerText,
                height: e.getBoundingClientRect().height};
      })};
  if (%(unfold)s) doc.querySelectorAll('details').forEach(function (d) { d.open = true; });
  doc.querySelectorAll('*').forEach(function (e) {
    tags[e.tagName.toLowerCase()] = true;
    var r = e.getBoundingClientRect();
    if (e.closest('body') && r.width && (r.right > width + 0.5 || r.left < -0.5)) {
      out.push(e.tagName.toLowerCase() + '.' + e.className + ' right=' + Math.round(r.right));
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify({
    folded: folded, viewport: width, scroll_width: root.scrollWidth, height: root.scrollHeight,
    overflowing: out.slice(0, 10), pwned: doc.body.getAttribute('data-pwned'),
    tags: Object.keys(tags), text: doc.body.innerText,
    cards: Array.prototype.map.call(doc.querySelectorAll('article.metric'), function (e) {
      var scope = e.closest('section');
      return {metric: e.getAttribute('data-metric'), status: e.getAttribute('data-status'),
              store: scope ? scope.getAttribute('data-store') : null, text: e.innerText};
    })
  });
  document.body.appendChild(pre);
});
</script></body></html>"""
"""Test-only: the page in a frame exactly `width` CSS pixels wide (a headless window is
at least 500 px wide, a frame can be any width), and a script that records after load
(after any image's error handler would have run) the frame's width; the page as it opens
(its height, its summary's height, the text it shows with every detail folded, and each
summary row's metric, status, view, text and height); then, with every detail unfolded
(`view` only: a screenshot shows the page as it opens), the page's scroll width and height,
every element past the frame's edge, whether a hostile id's handler left its mark, the
page's element names, the text it shows and each metric card's metric, status, store and
text."""


def executable() -> str:
    """Chromium, or a failure that says how to get it (never a skip)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    return found


@dataclass
class Chromium:
    path: str
    folder: Path
    """Where the framing pages are written."""

    def _run(self, page: Path, width: int, height: int, *flags: str) -> str:
        with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
            done = subprocess.run(
                [
                    self.path,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--no-first-run",
                    f"--user-data-dir={profile}",
                    f"--window-size={width},{height}",
                    "--virtual-time-budget=3000",
                    *flags,
                    page.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        if done.returncode != 0:
            raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def _framed(self, page: str, width: int, height: int, unfold: bool = False) -> Path:
        path = self.folder / f"framed-{len(list(self.folder.iterdir()))}.html"
        path.write_text(
            WRAPPER
            % {
                "width": width,
                "height": height,
                "page": html.escape(page, quote=True),
                "unfold": "true" if unfold else "false",
            }
        )
        return path

    def view(self, page: str, width: int, height: int = 900) -> dict[str, Any]:
        """What the page shows at `width` and how it lays out: see WRAPPER."""
        framed = self._framed(page, width, height, unfold=True)
        dom = self._run(framed, max(width, 500), height, "--dump-dom")
        start = dom.index('<pre id="measured">') + len('<pre id="measured">')
        seen = json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))
        seen["text"] = " ".join(seen["text"].split())
        seen["folded"]["text"] = " ".join(seen["folded"]["text"].split())
        for row in seen["folded"]["rows"]:
            row["text"] = " ".join(row["text"].split())
        for card in seen["cards"]:
            card["text"] = " ".join(card["text"].split())
        return seen

    def screenshot(self, page: str, out: Path, width: int, height: int) -> tuple[int, int]:
        """The page's first `height` pixels at `width`, as it opens (details folded);
        returns the PNG's size (a window narrower than 500 px lays out at 500, but its
        screenshot is cut at `width`: the frame inside is exactly `width` wide)."""
        out.parent.mkdir(parents=True, exist_ok=True)
        framed = self._framed(page, width, height)
        self._run(framed, width, height, f"--screenshot={out.resolve()}")
        return png_size(out)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
"""The axe-core rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best
practices."""

AXE_FRAMES = """<!doctype html><html><head><meta charset="utf-8">
<style>html,body{margin:0;padding:0}iframe{display:block;border:0}</style></head><body>
%(frames)s</body></html>"""
AXE_FRAME = """<iframe data-width="%(width)d" style="width:%(width)dpx;height:%(height)dpx"
srcdoc="%(page)s"></iframe>
"""
"""Test-only: the page, with AXE_RUN appended, in one frame per width exactly that many CSS
pixels wide (one Chromium run audits every width); axe audits each frame's own document,
the page itself, and writes its findings into the framing page."""

AXE_RUN = """<script src="%(axe)s"></script><script>
window.addEventListener('load', function () {
  function report(found) {
    var outer = window.parent.document, pre = outer.createElement('pre');
    pre.id = 'axe-' + window.frameElement.getAttribute('data-width');
    pre.textContent = JSON.stringify(found);
    outer.body.appendChild(pre);
  }
  // Unfolded: every detail is audited (a folded one's content is not rendered).
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var width = document.documentElement.clientWidth;
  var statuses = Array.prototype.map.call(document.querySelectorAll('.status'), function (e) {
    return e.innerText;
  });
  if (typeof axe === 'undefined') { report({error: 'axe-core did not load'}); return; }
  axe.run(document, {runOnly: {type: 'tag', values: %(tags)s}, resultTypes: ['violations']})
    .then(function (results) {
      report({viewport: width, statuses: statuses, violations: results.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {
          return {target: n.target.join(' '), html: n.html, summary: n.failureSummary};
        })};
      })});
    }, function (error) { report({error: String(error)}); });
});
</script>"""
"""Test-only: loads axe-core and, once the page has loaded, unfolds every `<details>`, runs
axe on the page's document and reports to the framing page the page's width, its
violations and the text of every status badge (`.status`)."""


@dataclass(frozen=True)
class Violation:
    """One axe-core rule the page breaks, and where."""

    rule: str
    impact: str
    help: str
    nodes: list[dict[str, str]]
    """Each element's CSS selector (`target`), its markup (`html`) and axe's summary of the
    fix (`summary`)."""


@dataclass(frozen=True)
class Audit:
    viewport: int
    """The width the page was laid out at, in CSS pixels."""
    violations: list[Violation]
    statuses: list[str]
    """The text of each status badge, in page order."""

    def at_least_serious(self) -> list[Violation]:
        return [v for v in self.violations if v.impact in ("serious", "critical")]


def axe_script() -> Path:
    """axe-core's browser script as the pinned axe-playwright-python package ships it."""
    script = Path(str(resources.files("axe_playwright_python") / "axe.min.js"))
    if not script.is_file():
        pytest.fail(f"axe-core's script is missing ({script}): make install")
    return script


def audit(
    chromium: Chromium, page: str, widths: Sequence[int], height: int = 900
) -> dict[int, Audit]:
    """axe-core's violations of `AXE_TAGS` on `page` laid out at each of `widths` CSS
    pixels, in one Chromium run."""
    run = AXE_RUN % {"axe": axe_script().as_uri(), "tags": json.dumps(list(AXE_TAGS))}
    srcdoc = html.escape(page + run, quote=True)
    frames = "".join(AXE_FRAME % {"width": w, "height": height, "page": srcdoc} for w in widths)
    framed = chromium.folder / f"audited-{len(list(chromium.folder.iterdir()))}.html"
    framed.write_text(AXE_FRAMES % {"frames": frames})
    dom = chromium._run(framed, max(*widths, 500), height * len(widths), "--dump-dom")
    audits = {}
    for width in widths:
        head = f'<pre id="axe-{width}">'
        if head not in dom:
            raise AssertionError(f"axe-core did not report at {width} px in the time budget")
        start = dom.index(head) + len(head)
        found = json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))
        if "error" in found:
            raise AssertionError(f"axe-core failed at {width} px: {found['error']}")
        audits[width] = Audit(
            found["viewport"],
            [Violation(v["id"], v["impact"], v["help"], v["nodes"]) for v in found["violations"]],
            found["statuses"],
        )
    return audits
