"""Safe calls to remote SPARQL endpoints: an allow-list, a timeout, a size cap, JSON results only.

Every esskg verb that asks a remote endpoint goes through `select_json`, so each one gets the same
guarantees: only endpoints the user allowed (loopback always allowed, for tests and local servers),
an answer within the timeout or a clear error, at most `max_bytes` read, and a result that is
checked to be SPARQL JSON before anyone uses it. Nothing here writes files: a caller writes only
after a call has fully succeeded, so a failure never leaves partial output.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from esskg.errors import EsskgError

__all__ = [
    "ALLOW_ENV",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "RemoteError",
    "allowed_endpoints",
    "check_allowed",
    "select_json",
]

ALLOW_ENV = "ESSKG_SPARQL_ALLOW"
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_CHUNK = 64 * 1024
_EXCERPT = 200


class RemoteError(EsskgError):
    """A remote call that was refused, timed out, failed or answered something unusable."""


def allowed_endpoints(extra: Iterable[str] = ()) -> list[str]:
    """The allow-list: `extra` (from --allow) plus the entries of $ESSKG_SPARQL_ALLOW."""
    from_env = os.environ.get(ALLOW_ENV, "").replace(",", " ").split()
    return [*extra, *from_env]


def check_allowed(url: str, allowed: Iterable[str]) -> None:
    """Raise RemoteError unless `url` is http(s) and on loopback or listed in `allowed`.

    An entry matches the URL itself, or every URL below it when the entry ends with '/'.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{url}: not an http(s) URL")
    if parts.hostname in LOOPBACK_HOSTS:
        return
    bare = parts._replace(query="", fragment="").geturl()
    for entry in allowed:
        if bare == entry or (entry.endswith("/") and bare.startswith(entry)):
            return
    raise RemoteError(
        f"{url}: endpoint not in the allow-list\n"
        f"  hint: pass --allow {bare} or add it to ${ALLOW_ENV} if you trust it"
    )


def select_json(
    endpoint: str,
    query: str,
    *,
    allowed: Iterable[str] = (),
    timeout: int = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[dict[str, dict[str, str]]]:
    """The bindings of a SELECT query run at `endpoint`, as SPARQL 1.1 JSON results.

    `timeout` (whole seconds, SPARQLWrapper's unit) bounds the connection and every read, and the
    whole body must arrive within it too; a body over `max_bytes` is refused.
    """
    allowed = list(allowed)
    check_allowed(endpoint, allowed)
    timeout = max(1, int(timeout))
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(query)
    wrapper.setReturnFormat(JSON)
    wrapper.setMethod(POST)
    wrapper.setRequestMethod(URLENCODED)
    wrapper.setTimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        response = wrapper.query().response
        # A redirect must not take us to an endpoint the user did not allow.
        check_allowed(response.geturl(), [*allowed, endpoint])
        body = _read_capped(endpoint, response, max_bytes, deadline, timeout)
    except SPARQLWrapperException as e:
        raise RemoteError(f"{endpoint}: the endpoint answered an error: {_excerpt(e)}") from None
    except urllib.error.HTTPError as e:
        raise RemoteError(f"{endpoint}: HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError | socket.timeout):
            raise _timed_out(endpoint, timeout) from None
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {e.reason}") from None
    except TimeoutError:
        raise _timed_out(endpoint, timeout) from None
    except OSError as e:
        raise RemoteError(f"{endpoint}: connection failed: {e}") from None
    return _bindings(endpoint, body)


def _read_capped(
    endpoint: str, response: Any, max_bytes: int, deadline: float, timeout: int
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise _timed_out(endpoint, timeout)
            chunk = response.read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > max_bytes:
                raise RemoteError(
                    f"{endpoint}: answer larger than {max_bytes} bytes; refused"
                    "\n  hint: narrow the query or raise the size cap"
                )
            chunks.append(chunk)
    finally:
        response.close()


def _bindings(endpoint: str, body: bytes) -> list[dict[str, dict[str, str]]]:
    try:
        document = json.loads(body.decode("utf-8"))
        bindings = document["results"]["bindings"]
        if not isinstance(bindings, list) or not all(isinstance(b, dict) for b in bindings):
            raise TypeError("bindings is not a list of objects")
        for binding in bindings:
            for term in binding.values():
                if not isinstance(term, dict) or not isinstance(term.get("value"), str):
                    raise TypeError("a bound term has no string value")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        start = body[:80].decode("utf-8", "replace")
        raise RemoteError(
            f"{endpoint}: the answer is not SPARQL JSON results ({e}); it starts with {start!r}"
        ) from None
    return bindings


def _timed_out(endpoint: str, timeout: int) -> RemoteError:
    return RemoteError(
        f"{endpoint}: no complete answer within {timeout} s\n"
        "  hint: check the endpoint is up, or raise --timeout"
    )


def _excerpt(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"
