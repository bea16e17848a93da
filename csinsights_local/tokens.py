"""Locally signed bearer tokens standing in for Cognito's: HS256 JWTs whose claims the
local API server hands to the handler as the authorizer's, after checking signature and
expiry. For the local stack only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from math import isfinite
from typing import Any

DEFAULT_SECRET = "csinsights-local-development-only"  # noqa: S105 - local stack only
DEFAULT_TTL = 3600
IDENTITY_CLAIMS = ("sub", "custom:seller_id", "custom:role")
"""Claims the API reads an identity from: strings in every token a user pool signs."""


class InvalidToken(Exception):
    pass


def _secret() -> bytes:
    return os.environ.get("CSINSIGHTS_LOCAL_SECRET", DEFAULT_SECRET).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(seller_id: str | None, operator: bool = False, ttl: int = DEFAULT_TTL) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iat": now, "exp": now + ttl, "token_use": "id"}
    if seller_id:
        claims["custom:seller_id"] = seller_id
        claims["sub"] = seller_id
    if operator:
        claims["custom:role"] = "operator"
        claims.setdefault("sub", "operator")
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(_secret(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify(token: str) -> dict[str, Any]:
    """The token's claims, or `InvalidToken` for anything else: a bad signature, and also a
    validly signed token whose header or claims are not JSON objects or whose `exp` is not
    a number of seconds in the future (whatever the token holds, this only says no)."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(_secret(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise InvalidToken("bad signature")
        fields = json.loads(_unb64(header))
        claims = json.loads(_unb64(payload))
    except (ValueError, RecursionError) as exc:  # base64, UTF-8 and JSON errors are ValueErrors
        raise InvalidToken("malformed token") from exc
    if not isinstance(fields, dict) or fields.get("alg") != "HS256":
        raise InvalidToken("unexpected algorithm")
    if not isinstance(claims, dict):
        raise InvalidToken("malformed claims")
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float) or not isfinite(expiry):
        raise InvalidToken("no expiry")  # NaN and Infinity too: JSON's, not a time
    if expiry < time.time():
        raise InvalidToken("expired")
    for name in IDENTITY_CLAIMS:
        # A user pool signs its attributes as strings: `null`, `false` or `0` is no
        # seller id (and an empty string names none).
        if name in claims and (not isinstance(claims[name], str) or not claims[name]):
            raise InvalidToken(f"{name}: not a string")
    return claims
