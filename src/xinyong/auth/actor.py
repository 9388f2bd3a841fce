"""The authenticated identity every staff and client route receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xinyong.kit.actor import ActorRef


@dataclass(frozen=True)
class Actor:
    """A staff user (``kind="user"``) or a business-system API client (``kind="client"``).

    ``unit_key``/``district_key`` bound what the actor may change or read (see auth.scope);
    ``purpose``/``legal_basis`` come from the console prompt or the ``X-Purpose`` header and are
    required for reads of non-public data.
    """

    kind: str
    id: str
    name: str
    unit_key: str | None
    district_key: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)
    purpose: str | None = None
    legal_basis: str | None = None

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_credit_office(self) -> bool:
        return "credit_office_admin" in self.roles

    def ref(self) -> ActorRef:
        return ActorRef(kind=self.kind, name=self.name, id=self.id, unit_key=self.unit_key)

    def snapshot(self) -> dict[str, Any]:
        """The identity and grants as JSON, for work done later on the actor's behalf (a background
        upload); the purpose of a read is not kept — it belongs to one request."""
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "unit_key": self.unit_key,
            "district_key": self.district_key,
            "roles": sorted(self.roles),
            "permissions": sorted(self.permissions),
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Actor:
        return cls(
            kind=data["kind"],
            id=data["id"],
            name=data["name"],
            unit_key=data.get("unit_key"),
            district_key=data.get("district_key"),
            roles=frozenset(data.get("roles", ())),
            permissions=frozenset(data.get("permissions", ())),
        )
