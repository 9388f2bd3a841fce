"""Who is acting: the snapshot every audit row and version row records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActorRef:
    """An actor as seen at the moment of acting (kind: user, client, system, cli, public)."""

    kind: str
    name: str
    id: str | None = None
    unit_key: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id or self.name}"


SYSTEM = ActorRef(kind="system", name="系统任务")
CLI = ActorRef(kind="cli", name="命令行操作员")
