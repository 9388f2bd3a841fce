"""Catalogue items as loaded into the database (the runtime truth), with every version kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base


class CatalogItem(Base):
    """The current version of a catalogue item; ``spec`` is the validated YAML (CatalogItemSpec)."""

    __tablename__ = "catalog_items"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    sharing_level: Mapped[str] = mapped_column(String(16))
    publicity_kind: Mapped[str] = mapped_column(String(16))
    report_section: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]]
    loaded_at: Mapped[dt.datetime]


class CatalogItemVersion(Base):
    """Every version of an item ever loaded, so a record can be judged by the edition it was made under."""

    __tablename__ = "catalog_item_versions"

    code: Mapped[str] = mapped_column(ForeignKey("catalog_items.code"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[dict[str, Any]]
    loaded_at: Mapped[dt.datetime]
