"""The authenticated identity every staff and client route receives."""

from __future__ import annotations

from dataclasses import dataclass, field

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
