"""The demo's insights page, built as `make demo` builds it but on the embedded store: the
demo's marketplace (its samples and generated events, its default shape and seed), the
product's ingest, the scheduled run as of each of the demo's run days, and the page the
last run published for a seller. The browser tests check it and take the README's
screenshots from it."""

from __future__ import annotations

from datetime import timedelta

from csinsights_local.cli import build_parser
from csinsights_local.demo import demo_items, demo_shape, run_days
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from csinsights_local.pipeline import ingest_embedded
from csinsights_local.run import Embedded, run_metrics

SELLER = "SELLER001"
"""The seller whose page the demo prints first."""


def demo_page(seller: str = SELLER) -> str:
    args = build_parser().parse_args(["demo", "--once"])
    shape = demo_shape(args)
    store = EmbeddedStore(embedded_settings())
    ingest_embedded(store, demo_items(shape))
    target = Embedded(store)
    days = run_days(shape.end + timedelta(days=1), args.runs)
    for day in days:
        run = run_metrics(target, f"{day.isoformat()}T00:00:00Z")
    key = f"reports/{seller}/insights/{run.output['as_of_day']}/insights.html"
    return store.read(key).decode()
