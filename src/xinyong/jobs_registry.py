"""Imports every domain's ``tasks`` module so their jobs register (a composition root)."""

from __future__ import annotations


def register_all() -> None:
    import xinyong.ingestion.approvals
    import xinyong.ingestion.tasks
    import xinyong.ingestion.uploads
    import xinyong.lists.tasks
    import xinyong.portal.tasks
    import xinyong.records.tasks  # noqa: F401
