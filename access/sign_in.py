"""Sign-in for the whole advisor page: nothing under its path answers without a signed-in session.

`SignInRequired` is ASGI middleware on the service, in front of the mounted Gradio app. It follows
Gradio's convention for the routes it owns: ``POST <page>/login`` with form fields ``username`` and
``password`` opens a session (an HttpOnly, SameSite=Lax cookie, Secure over HTTPS, expiring with the
session), ``<page>/logout`` closes it. Every other request under the page's path needs the session:
the page itself redirects a browser without one to the sign-in form; Gradio's config, API, queue and
file routes answer 401 with nothing of a client in the body. The signed-in account is put in the
request's state (``state["advisor"]``), where the page's handlers find it.

It handles the sign-in itself rather than with Gradio's ``auth``: that keeps its sessions in one
process's memory (lost on restart, not shared by replicas), and its ``auth_dependency`` can only
answer a bare 401, never send a browser to a sign-in page (gradio#8755). Every answer under the page
also carries the security headers (no MIME sniffing, no framing, no referrer to other sites).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs

import anyio
from sqlalchemy import Engine
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from access.accounts import Accounts, SignedIn
from access.sessions import SessionStore, Throttle

__all__ = ["COOKIE", "Gate", "SignInRequired", "security_headers", "sign_in_page"]

logger = logging.getLogger(__name__)

#: Name of the session cookie.
COOKIE = "credit_scoring_session"
#: Longest sign-in form body read (a name and a password); a longer one is refused.
_MAX_FORM_BYTES = 4096


def security_headers(frame_ancestors: str) -> dict[str, str]:
    """Return the headers every answer of the page carries; `frame_ancestors` as CSP wants it."""
    return {"X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": f"frame-ancestors {frame_ancestors}; object-src 'none'; "
                                       "base-uri 'self'",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY" if frame_ancestors == "'none'" else "SAMEORIGIN"}


@dataclass(frozen=True)
class Gate:
    """What signing in needs: the accounts, the sessions and the wrong-password throttle of one store."""

    accounts: Accounts
    sessions: SessionStore
    throttle: Throttle

    @classmethod
    def of(cls, engine: Engine, *, session_lifetime: timedelta) -> Gate:
        """Return the gate of the store behind `engine`."""
        return cls(Accounts(engine), SessionStore(engine, lifetime=session_lifetime), Throttle(engine))


class SignInRequired:
    """Guards every route under `prefix` with a sign-in session.

    Parameters
    ----------
    app : ASGI app
    prefix : str
        The page's path (``/ui``); other routes pass untouched.
    gate : Gate or callable returning Gate
        The accounts and sessions; a callable is resolved at each request (the service opens its
        store after the middleware is declared).
    frame_ancestors : str, default="'none'"
        Who may frame the page, as the CSP directive ``frame-ancestors`` says it.
    """

    def __init__(self, app: ASGIApp, *, prefix: str, gate: Gate | Callable[[], Gate],
                 frame_ancestors: str = "'none'") -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self._gate = gate if callable(gate) else (lambda: gate)
        self._headers = [(name.lower().encode(), value.encode())
                         for name, value in security_headers(frame_ancestors).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (
                path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self._headers]
            await send(message)

        route = path[len(self.prefix):]
        gate = self._gate()
        if scope["type"] == "http" and route == "/login":
            response = await (self._sign_in(gate, scope, receive) if scope["method"] == "POST" else
                              self._form())
            await response(scope, receive, with_headers)
            return
        token = _cookies(scope).get(COOKIE)
        if scope["type"] == "http" and route == "/logout":
            await anyio.to_thread.run_sync(gate.sessions.close, token)
            response = RedirectResponse(f"{self.prefix}/login", status_code=303)
            response.delete_cookie(COOKIE, path=self.prefix)
            await response(scope, receive, with_headers)
            return
        advisor = await anyio.to_thread.run_sync(gate.sessions.who, token)
        if advisor is None:
            await self._refused(scope, route)(scope, receive, with_headers)
            return
        scope.setdefault("state", {})["advisor"] = advisor
        await self.app(scope, receive, with_headers)

    def _refused(self, scope: Scope, route: str) -> Response:
        if scope["type"] == "http" and scope["method"] == "GET" and route in ("", "/"):
            return RedirectResponse(f"{self.prefix}/login", status_code=303)
        return JSONResponse({"error": f"sign in first: POST {self.prefix}/login with username and password"},
                            status_code=401)

    async def _form(self, *, message: str = "", status_code: int = 200,
                    headers: Mapping[str, str] | None = None) -> Response:
        return HTMLResponse(sign_in_page(self.prefix, message), status_code=status_code, headers=headers)

    async def _sign_in(self, gate: Gate, scope: Scope, receive: Receive) -> Response:
        form = await _read_form(receive)
        if form is None:
            return await self._form(message="The sign-in form was too long.", status_code=413)
        user_name, password = form.get("username", "").strip().lower(), form.get("password", "")
        wait = await anyio.to_thread.run_sync(gate.throttle.wait_seconds, user_name)
        if wait:
            minutes = -(-wait // 60)
            return await self._form(message=f"Too many failed sign-ins for this name: try again in {minutes} "
                                            "minute(s).", status_code=429, headers={"Retry-After": str(wait)})
        signed_in: SignedIn | None = await anyio.to_thread.run_sync(gate.accounts.check, user_name, password)
        if signed_in is None:
            await anyio.to_thread.run_sync(gate.throttle.failed, user_name)
            logger.info("failed sign-in on the advisor page")
            return await self._form(message="Wrong user name or password.", status_code=401)
        await anyio.to_thread.run_sync(gate.throttle.succeeded, user_name)
        token = await anyio.to_thread.run_sync(gate.sessions.open, signed_in)
        response = RedirectResponse(f"{self.prefix}/", status_code=303)
        response.set_cookie(COOKIE, token, max_age=int(gate.sessions.lifetime.total_seconds()),
                            path=self.prefix, httponly=True, samesite="lax",
                            secure=scope.get("scheme") == "https")
        return response


def _cookies(scope: Scope) -> dict[str, str]:
    return cookie_parser(dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1"))


async def _read_form(receive: Receive) -> dict[str, str] | None:
    """Read a urlencoded form body; None if it is longer than `_MAX_FORM_BYTES`."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > _MAX_FORM_BYTES:
            return None
        if not message.get("more_body"):
            break
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def sign_in_page(prefix: str, message: str = "") -> str:
    """Return the sign-in form: plain HTML, no script, nothing loaded from elsewhere."""
    notice = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in · Credit decision advisor</title>
<style>
body {{ font-family: ui-sans-serif, system-ui, sans-serif; background: #f4f5f7; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
       box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }}
button {{ margin-top: 1.4rem; width: 100%; padding: .6rem; font-size: 1rem; background: #334155; color: #fff;
         border: 0; border-radius: 4px; cursor: pointer; }}
.error {{ color: #9f1d00; background: #fbe9dd; padding: .5rem; border-radius: 4px; }}
</style></head>
<body><main>
<h1>Credit decision advisor</h1>
<p>Sign in with your advisor account.</p>
{notice}
<form method="post" action="{html.escape(prefix)}/login" id="sign-in">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
"""
