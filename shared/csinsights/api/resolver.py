"""The API's resolver: Powertools' REST resolver, whose OpenAPI document describes only what
the API answers.

With validation enabled, Powertools adds its `HTTPValidationError` schema to every document,
though each route documents its 422 with the API's own error body (`errors.ApiError`): a
schema no answer refers to. Powertools gives the document as a pydantic model
(`get_openapi_schema`) for post-processing; the resolver post-processes it there, the one
method its JSON (`get_openapi_json_schema`, `make openapi`) and its Swagger UI
(`enable_swagger`, /v1/docs on the local server) are built from, so docs/openapi.json and
the page's document are the same document. The library is not changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

SCHEMA_REF = "#/components/schemas/"


class Resolver(APIGatewayRestResolver):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        """Powertools' document without the component schemas nothing refers to."""
        return referenced_only(super().get_openapi_schema(**kwargs))


def referenced_only(document: OpenAPI) -> OpenAPI:
    """The document's component schemas reduced to those its operations (or anything else
    outside the schemas) refer to, directly or through another schema kept."""
    components = document.components
    if components is None or not components.schemas:
        return document
    data = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    schemas: dict[str, Any] = data["components"].pop("schemas")
    kept: set[str] = set()
    pending = set(_refs(data))
    while pending:
        name = pending.pop()
        if name in kept or name not in schemas:
            continue
        kept.add(name)
        pending.update(_refs(schemas[name]))
    components.schemas = {name: s for name, s in components.schemas.items() if name in kept}
    return document


def _refs(value: Any) -> Iterator[str]:
    """The names of the component schemas `value` refers to (`$ref`), at any depth."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            yield ref[len(SCHEMA_REF) :]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)
