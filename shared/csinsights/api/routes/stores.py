"""A store's benchmarks: its average and top performers, across sellers."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from csinsights.api.errors import ERRORS, caller
from csinsights.api.params import AsOf, StorePath
from csinsights.api.routes import queries
from csinsights.models.api import Benchmarks

TAG = "stores"
router = Router()


@router.get(
    "/v1/stores/<store_id>/benchmarks",
    operation_id="getStoreBenchmarks",
    responses=ERRORS,
    summary="Store average and top performers",
    tags=[TAG],
)
def get_benchmarks(store_id: StorePath, as_of: AsOf = None) -> Benchmarks:
    caller(router.current_event)  # any authenticated seller: the figures are store-wide
    return Benchmarks.model_validate(queries().benchmarks(store_id, as_of))
