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
from dataclasses import dataclass
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
