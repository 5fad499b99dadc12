"""The playground's ASGI app: the page and a small JSON API over :mod:`.session`.

Endpoints (all JSON; every error is ``{"error": "..."}`` with status 400, 404, 405 or 413):

- ``GET  /api/datasets``: datasets, features, activations, optimizers, defaults and caps.
- ``POST /api/session``: body = settings (see ``session.DEFAULTS``); returns the id, the
  settings, the data points, the network's shape and its state at epoch 0.
- ``GET  /api/session/{id}``: the same description, for a page that reloads.
- ``POST /api/session/{id}/step``: body ``{"epochs": k}`` (default 1); trains k more epochs
  and returns their metrics, per-layer gradient norms and the new boundary grid.
- ``POST /api/session/{id}/reset``: fresh weights and optimizer, epoch 0.
- ``DELETE /api/session/{id}``: forget the session.

The page (``/``) polls ``step`` in a loop while playing; it only draws.
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .session import LIMITS, SessionStore, catalogue

STATIC = Path(__file__).parent / "static"
#: Largest request body accepted (settings are a few hundred bytes).
MAX_BODY = 64 * 1024


class APIError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _json(data, status=200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


async def _body(request: Request) -> dict:
    """The request's JSON object; an empty body is ``{}``."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise APIError(413, f"request body must be at most {MAX_BODY} bytes, got {len(raw)}")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise APIError(400, f"request body must be JSON, got invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise APIError(400, f"request body must be a JSON object, got {type(data).__name__}")
    return data


async def _user_call(fn, *args):
    """Run ``fn`` off the event loop; the library's ValueError/TypeError become a 400."""
    try:
        return await run_in_threadpool(fn, *args)
    except (ValueError, TypeError) as exc:
        raise APIError(400, str(exc)) from None


def create_app(max_sessions: int = LIMITS["max_sessions"]) -> Starlette:
    """The playground as a Starlette app, with its own in-memory session store.

    Parameters
    ----------
    max_sessions : int
        Sessions kept in memory; creating one more drops the least recently used.
    """
    store = SessionStore(max_sessions)

    def session_of(request: Request):
        sid = request.path_params["sid"]
        session = store.get(sid)
        if session is None:
            raise APIError(404, f"unknown session {sid!r}; it may have expired: create a new "
                                "one with POST /api/session")
        return session

    async def index(request: Request):
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    async def datasets(request: Request):
        return _json(catalogue())

    async def create(request: Request):
        settings = await _body(request)
        session = await _user_call(store.create, settings)
        return _json(await run_in_threadpool(session.describe))

    async def describe(request: Request):
        session = session_of(request)
        return _json(await run_in_threadpool(_locked, session, session.describe))

    async def delete(request: Request):
        session_of(request)
        store.delete(request.path_params["sid"])
        return _json({"deleted": request.path_params["sid"]})

    async def step(request: Request):
        session = session_of(request)
        body = await _body(request)
        unknown = sorted(set(body) - {"epochs"})
        if unknown:
            raise APIError(400, f"unknown step parameter {unknown[0]!r}; the only one is "
                                "'epochs'")
        epochs = body.get("epochs", 1)
        return _json(await _user_call(_locked, session, session.step, epochs))

    async def reset(request: Request):
        session = session_of(request)
        await _body(request)

        def do_reset():
            session.reset()
            return session.state()

        return _json(await run_in_threadpool(_locked, session, do_reset))

    async def api_error(request: Request, exc: APIError):
        return _json({"error": exc.message}, exc.status)

    async def http_error(request: Request, exc: HTTPException):
        return _json({"error": f"{exc.detail}: {request.method} {request.url.path}"},
                     exc.status_code)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/datasets", datasets, methods=["GET"]),
        Route("/api/session", create, methods=["POST"]),
        Route("/api/session/{sid}", describe, methods=["GET"]),
        Route("/api/session/{sid}", delete, methods=["DELETE"]),
        Route("/api/session/{sid}/step", step, methods=["POST"]),
        Route("/api/session/{sid}/reset", reset, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes,
                    exception_handlers={APIError: api_error, HTTPException: http_error})
    app.state.sessions = store
    return app


def _locked(session, fn, *args):
    """``fn(*args)`` holding the session's lock: one request trains a session at a time."""
    with session.lock:
        return fn(*args)
