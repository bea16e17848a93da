"""The API's routes, one Router per group of the OpenAPI document (its tag), each handler
thin: parse (by its parameter types), authorise, call one Queries method, shape the answer."""

from __future__ import annotations

from csinsights.config import PerSettings
from csinsights.queries import Queries

queries = PerSettings(Queries.from_settings)
