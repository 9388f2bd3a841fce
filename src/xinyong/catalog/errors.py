"""Catalogue errors."""

from xinyong.errors import Invalid


class UnknownItem(Invalid):
    code = "unknown_catalog_item"
