"""A seller's unanswered contacts, against the 48-hour target: live, or as they stood at
a past instant."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from csinsights.api.errors import ERRORS, authorise
from csinsights.api.params import LiveAsOf, PageSize, SellerPath, StoreQuery
from csinsights.api.routes import queries
from csinsights.models.api import OverdueContacts

TAG = "contacts"
router = Router()


@router.get(
    "/v1/sellers/<seller_id>/contacts/overdue",
    operation_id="listOverdueContacts",
    responses=ERRORS,
    summary="Unanswered contacts by urgency, with their due time and hours left before 48 h",
    tags=[TAG],
)
def get_overdue(
    seller_id: SellerPath,
    store: StoreQuery = None,
    limit: Annotated[PageSize, Query()] = 50,
    as_of: LiveAsOf = None,
) -> OverdueContacts:
    authorise(router.current_event, seller_id)
    overdue = queries().overdue_contacts(seller_id, store, limit, as_of)
    return OverdueContacts.model_validate(overdue)
