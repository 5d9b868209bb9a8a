"""ASGI middleware of the service: the optional API key, and request-model errors in the API's shape.

BentoML validates a request body against the API's pydantic model before the API method runs, and
answers a failure with its own 400 body (locations only, no SK_ID_CURR, no values). `ProblemResponses`
keeps a copy of the body as the application reads it; when BentoML answers 400, it validates the copy
again with the same request model and answers with one problem per fault instead (400 for a body that
is not JSON, 422 for JSON that breaks the contract). Valid requests pay only for keeping the chunks.
A body declared as anything but JSON (form, multipart, text) is answered 415 before BentoML parses it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Collection, Mapping

from pydantic import BaseModel, ValidationError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.problems import application_ids, error_response, problems_from_validation_error
from serving.responses import ErrorBody, Problem

__all__ = ["ANONYMOUS", "ApiKeyMiddleware", "ProblemResponses", "api_key_digest", "request_caller"]


class ProblemResponses:
    """Rewrites BentoML's 400 answers on the API routes into :class:`~serving.responses.ErrorBody`.

    Bodies that declare a Content-Type other than ``application/json`` are answered 415 at once.

    Parameters
    ----------
    app : ASGI app
    bodies : mapping of str to pydantic model class
        Route path -> the model of its whole JSON body.
    on_rejected : callable, optional
        Called with (path, number of applications, the problems' fields) for every rejected request;
        a body whose applications cannot be counted counts as one.
    """

    def __init__(self, app: ASGIApp, *, bodies: Mapping[str, type[BaseModel]],
                 on_rejected: Callable[[str, int, list[str | None]], None] | None = None) -> None:
        self.app = app
        self.bodies = dict(bodies)
        self.on_rejected = on_rejected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or path not in self.bodies:
            await self.app(scope, receive, send)
            return
        media_type = _media_type(scope)
        if media_type not in _JSON_MEDIA_TYPES:
            # BentoML parses form and multipart bodies itself: a multipart body answered 500.
            problem = Problem(index=None, SK_ID_CURR=None, field="Content-Type",
                              problem=f"must be application/json, got {media_type}; send the body as JSON")
            await error_response([problem], status_code=415)(scope, receive, send)
            return
        chunks: list[bytes] = []
        held: list[Message] = []

        async def keep_body() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 400:
                held.append(message)
                return
            if not held:
                await send(message)
                return
            held.append(message)
            if message.get("more_body"):
                return
            replacement = self._replacement(path, b"".join(chunks))
            if replacement is None:
                for original in held:
                    await send(original)
            else:
                await replacement(scope, receive, send)

        await self.app(scope, keep_body, answer)

    def _replacement(self, path: str, body: bytes):
        """Return the error response for a rejected body, or None to keep BentoML's own answer."""
        try:
            self.bodies[path].model_validate_json(body or b"{}")
        except ValidationError as error:
            parsed = _parsed(body)
            problems = problems_from_validation_error(error, parsed)
            if self.on_rejected is not None:
                self.on_rejected(path, max(1, len(application_ids(parsed))), [p.field for p in problems])
            not_json = any(e["type"] == "json_invalid" for e in error.errors())
            return error_response(problems, status_code=400 if not_json else 422)
        return None


#: Content types a /predict or /explain body may declare (none at all is read as JSON too).
_JSON_MEDIA_TYPES = frozenset({"", "application/json"})


def _media_type(scope: Scope) -> str:
    """Return the request's media type, lower case, without parameters ("" when it declares none)."""
    declared = dict(scope.get("headers") or []).get(b"content-type", b"")
    return declared.decode("latin-1").split(";")[0].strip().lower()


def _parsed(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the stdlib parser's recursion
        return None


def api_key_digest(key: str) -> str:
    """Return the SHA-256 (hex) of an API key: what the service keeps of it, never the key itself.

    Keys are long random tokens, so a plain digest cannot be searched back (unlike a password).
    """
    return hashlib.sha256(key.encode()).hexdigest()


#: The caller of a request on a route no key protects (no key configured).
ANONYMOUS = "anonymous"


def request_caller(scope: Scope) -> str:
    """Return the name of the key that `ApiKeyMiddleware` accepted for a request, or `ANONYMOUS`."""
    return scope.get("state", {}).get("caller", ANONYMOUS)


class ApiKeyMiddleware:
    """Answers 401 on the protected routes unless the request carries one of the API keys.

    A key is accepted as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Only the keys'
    SHA-256 digests are kept, compared in constant time. The accepted key's name is put in the
    request's state (`request_caller`), for the decision records: a caller is named, never its key.

    Parameters
    ----------
    app : ASGI app
    keys : mapping of str to str
        Key name -> SHA-256 hex digest of the key (`api_key_digest`); at least one.
    protected : collection of str
        Route paths that need a key; a path protects itself and every path under it
        (``/decisions`` covers ``/decisions/<id>``). Every other route stays open.
    """

    def __init__(self, app: ASGIApp, *, keys: Mapping[str, str], protected: Collection[str]) -> None:
        if not keys:
            raise ValueError("keys must name at least one API key; leave the middleware out to serve without")
        self.app = app
        self._digests = [(name, bytes.fromhex(digest)) for name, digest in keys.items()]
        self.protected = tuple(protected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._guards(scope.get("path", "")):
            caller = self._caller(scope)
            if caller is None:
                body = ErrorBody(error="missing or wrong API key: send it as 'Authorization: Bearer <key>' "
                                       "or 'X-API-Key: <key>'")
                response = JSONResponse(body.model_dump(), status_code=401,
                                        headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    def _guards(self, path: str) -> bool:
        return any(path == route or path.startswith(route + "/") for route in self.protected)

    def _caller(self, scope: Scope) -> str | None:
        """Return the name of the key the request carries, or None."""
        headers = dict(scope.get("headers") or [])
        sent = headers.get(b"x-api-key")
        authorization = headers.get(b"authorization", b"")
        if sent is None and authorization[:7].lower() == b"bearer ":
            sent = authorization[7:].strip()
        if sent is None:
            return None
        digest = hashlib.sha256(sent).digest()
        found = None
        for name, expected in self._digests:  # every key compared, so the time says nothing of which
            if hmac.compare_digest(digest, expected):
                found = name
        return found
