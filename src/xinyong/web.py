"""Request-scope plumbing shared by every router: the DB session, access markers, today.

Every route must declare its access: either the :data:`Public` marker or an actor dependency
registered with :func:`access_dependency`. ``tests/test_routes_access.py`` walks the app and fails
on a route that declares neither.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.db import session_factory
from xinyong.kit import clock

F = TypeVar("F", bound=Callable[..., Any])

#: Dependencies that count as a declaration of access.
ACCESS_DEPENDENCIES: set[Callable[..., Any]] = set()


def access_dependency(func: F) -> F:
    """Register ``func`` as an access dependency (an actor or the Public marker)."""
    ACCESS_DEPENDENCIES.add(func)
    return func


@access_dependency
def public_access() -> None:
    """Marks a route as deliberately public: anonymous, reads only disclosed data."""


Public = Depends(public_access)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction: committed when the route returns, rolled back on error.

    Opening a session does no I/O, so it happens on the event loop. Ending it does: for a plain ``def``
    route the commit (or rollback) runs in the threadpool, like the route itself; an ``async def`` route
    runs on the event loop and does at most short database work there (``GET /api/v1/ping`` does none
    once its API key is cached), so its commit runs there too, with no threadpool hop.
    """
    inline = inspect.iscoroutinefunction(request.scope.get("endpoint"))
    session = session_factory()()
    try:
        yield session
        await _end(session.commit, inline=inline)
    except BaseException:
        await _end(session.rollback, inline=inline)
        raise
    finally:
        session.close()


async def _end(step: Callable[[], None], *, inline: bool) -> None:
    if inline:
        step()
    else:
        await run_in_threadpool(step)


DbSession = Annotated[Session, Depends(get_session, scope="function")]


async def get_today() -> dt.date:
    """Today in Asia/Shanghai (tests freeze kit.clock)."""
    return clock.today()


Today = Annotated[dt.date, Depends(get_today)]


#: Uploads are copied to disk this much at a time.
UPLOAD_CHUNK = 1 << 20


async def save_upload(upload: UploadFile, path: Path) -> None:
    """Copy an uploaded file to ``path`` a megabyte at a time: reading it whole held a unit's file of
    hundreds of megabytes in memory once more (Starlette already spools it to a temporary file)."""
    with path.open("wb") as fh:
        while chunk := await upload.read(UPLOAD_CHUNK):
            fh.write(chunk)


NUL_MESSAGE = "请求中含有空字符（NUL），无法处理；请删除后重试"


def _has_nul(data: bytes) -> bool:
    return b"\x00" in data or b"%00" in data


class NulGuardMiddleware:
    """Refuses with 400 a request whose path, query or ``application/x-www-form-urlencoded`` body holds a
    NUL character (raw or ``%00``).

    PostgreSQL cannot hold NUL in ``text``: a NUL in a subject code in the URL or in a console form
    reached a query and failed there as a 500 (SQLite took it). Refused at the door, the answer is the
    same on every database and says what is wrong. Multipart bodies are not looked into — NUL
    characters in an uploaded file are ingestion's to handle (ingestion.readers.Notes) — nor JSON
    bodies, whose ``\\u0000`` the ingestion API rows take out the same way; anything else that still
    brings one to PostgreSQL is answered 400 by the app's handler for it (app.py).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope.get("raw_path") or b"") or _has_nul(scope.get("query_string") or b""):
            await _refuse(scope, send)
            return
        if "\x00" in scope.get("path", ""):
            await _refuse(scope, send)
            return
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _has_nul(body):
            await _refuse(scope, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, send: Send) -> None:
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps(
            {"error": {"code": "invalid_text", "message": NUL_MESSAGE, "details": {}}}, ensure_ascii=False
        ).encode()
        ctype = b"application/json"
    else:
        body = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            "<title>请求无效</title></head><body><main><h1>请求无效</h1>"
            f'<p>{html.escape(NUL_MESSAGE)}</p><p><a href="/">返回首页</a></p></main></body></html>'
        ).encode()
        ctype = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
