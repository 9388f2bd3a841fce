"""Staff accounts, roles as loaded data, sessions and short-lived tokens, API clients."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, JSONVariant


class AccessConfig(Base):
    """One row: the loaded ``access.yaml`` (version, policy, purpose and legal-basis codes)."""

    __tablename__ = "auth_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    spec: Mapped[dict[str, Any]]
    loaded_at: Mapped[dt.datetime]


class Role(Base):
    """A role and the permissions it grants (data from ``access.yaml``, never hard-coded)."""

    __tablename__ = "auth_roles"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    #: Sorted permission names.
    permissions: Mapped[list[str]] = mapped_column(JSONVariant)
    config_version: Mapped[str] = mapped_column(String(64))


class User(Base):
    """A staff account in one unit of the city profile."""

    __tablename__ = "auth_users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True, info={"label": "用户名"})
    display_name: Mapped[str] = mapped_column(String(64), info={"label": "姓名"})
    unit_key: Mapped[str] = mapped_column(ForeignKey("org_units.key"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    password_changed_at: Mapped[dt.datetime]
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: A demo account (well-known password): refused when Settings.production is on.
    demo: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class UserRole(Base):
    """A role held by a user, with who granted it (never the user themself)."""

    __tablename__ = "auth_user_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_users.id"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("auth_roles.key"), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(128))
    granted_at: Mapped[dt.datetime]


class StaffSession(Base):
    """A console session (``kind="console"``) or a short-lived staff bearer token (``kind="token"``).

    Only a keyed hash of the cookie/token value is stored, so a database read does not yield a
    usable credential.
    """

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None]


class ApiClient(Base):
    """A business system calling the API with a key ``xyk_<id>_<secret>`` (only its HMAC is kept)."""

    __tablename__ = "auth_clients"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True, info={"label": "接入系统名称"})
    unit_key: Mapped[str | None] = mapped_column(ForeignKey("org_units.key"))
    key_hash: Mapped[str] = mapped_column(String(64))
    permissions: Mapped[list[str]] = mapped_column(JSONVariant)
    #: CIDR networks the client may call from; empty: any address.
    allowed_ips: Mapped[list[str]] = mapped_column(JSONVariant)
    rate_per_minute: Mapped[int] = mapped_column(default=600)
    created_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None]
    #: After a rotation with a grace period: the HMAC of the key it replaced, accepted until
    #: ``previous_key_expires_at`` so the calling system can switch without an outage.
    previous_key_hash: Mapped[str | None] = mapped_column(String(64))
    previous_key_expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(128))
