"""Registries other domains use to add their console pages: menu entries and home-page queues.

A domain registers at import time of its console module, e.g.::

    from xinyong.console.nav import NavEntry, Queue, register_nav, register_queue
    register_nav(NavEntry("batches", "报送批次", "/console/batches", permission=BATCHES_READ, order=20))
    register_queue(Queue("pending_batches", "待审核批次", RECORDS_REVIEW, href="/console/batches?status=待审核",
                         count=lambda session, actor: ...))

An entry shows only to an actor holding its permission (``None``: every signed-in user). A queue
without ``count`` is a placeholder until its domain lands ("待接入").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong.auth.actor import Actor


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    href: str
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    permission: str
    description: str = ""
    href: str | None = None
    count: Callable[[Session, Actor], int] | None = None
    order: int = 100


NAV: dict[str, NavEntry] = {}
QUEUES: dict[str, Queue] = {}


def register_nav(entry: NavEntry) -> NavEntry:
    """Add (or replace, by key) a menu entry."""
    NAV[entry.key] = entry
    return entry


def register_queue(queue: Queue) -> Queue:
    """Add (or replace, by key) a home-page queue."""
    QUEUES[queue.key] = queue
    return queue


def nav_for(actor: Actor) -> list[NavEntry]:
    """The menu entries ``actor`` may use, in order."""
    return sorted(
        (e for e in NAV.values() if e.permission is None or actor.has(e.permission)),
        key=lambda e: (e.order, e.key),
    )


@dataclass(frozen=True)
class QueueView:
    queue: Queue
    count: int | None


def queues_for(session: Session, actor: Actor) -> list[QueueView]:
    """The queues of ``actor``'s home page with their counts (None for placeholders)."""
    visible = sorted((q for q in QUEUES.values() if actor.has(q.permission)), key=lambda q: (q.order, q.key))
    return [QueueView(q, q.count(session, actor) if q.count else None) for q in visible]
