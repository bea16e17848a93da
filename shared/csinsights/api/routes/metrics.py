"""The metrics document of a seller and the daily trend of one of its metrics."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from csinsights.api.errors import ERRORS, authorise
from csinsights.api.params import (
    DAY_SCHEMA,
    MAX_STORES,
    STORE_LIST,
    AsOf,
    Day,
    MetricName,
    SellerPath,
    StoreIds,
    StoreQuery,
    Window,
)
from csinsights.api.routes import queries
from csinsights.domain.catalogue import BENCHMARK_WINDOW
from csinsights.models.api import History, MetricsDocument
from csinsights.queries import MAX_HISTORY_DAYS

TAG = "metrics"
router = Router()


@router.get(
    "/v1/sellers/<seller_id>/metrics",
    operation_id="getMetrics",
    responses=ERRORS,
    summary="The metrics document of one or several stores",
    tags=[TAG],
)
def get_metrics(
    seller_id: SellerPath,
    stores: Annotated[
        StoreIds | None,
        Query(
            description=f"comma-separated store ids (at most {MAX_STORES}); default all",
            json_schema_extra={"pattern": STORE_LIST},
        ),
    ] = None,
    as_of: AsOf = None,
    window_days: Window = BENCHMARK_WINDOW,
) -> MetricsDocument:
    authorise(router.current_event, seller_id)
    return queries().metrics(seller_id, stores, as_of, window_days)


@router.get(
    "/v1/sellers/<seller_id>/metrics/history",
    operation_id="getMetricsHistory",
    responses=ERRORS,
    summary="Daily trend of one metric",
    tags=[TAG],
)
def get_history(
    seller_id: SellerPath,
    metric: Annotated[MetricName, Query()],
    from_: Annotated[
        Day,
        Query(
            alias="from",
            description=f"first day, YYYY-MM-DD; at most {MAX_HISTORY_DAYS} days before `to`",
            json_schema_extra=DAY_SCHEMA,
        ),
    ],
    to: Annotated[Day, Query(description="last day, YYYY-MM-DD", json_schema_extra=DAY_SCHEMA)],
    store: StoreQuery = None,
    window_days: Window = BENCHMARK_WINDOW,
) -> History:
    authorise(router.current_event, seller_id)
    return History.model_validate(
        queries().history(seller_id, metric, store, from_, to, window_days)
    )
