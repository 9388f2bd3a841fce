"""Errors of the lists domain."""

from __future__ import annotations

from xinyong.errors import Conflict, Invalid, NotFound


class UnknownListType(NotFound):
    code = "unknown_list_type"


class EntryNotFound(NotFound):
    code = "list_entry_not_found"


class WrongState(Conflict):
    code = "list_entry_wrong_state"


class ObjectionWindowClosed(Invalid):
    code = "objection_window_closed"


class ObjectionWindowOpen(Conflict):
    code = "objection_window_open"


class NotRecognisingUnit(Invalid):
    code = "not_recognising_unit"
    status_code = 403


class ListInputInvalid(Invalid):
    code = "list_input_invalid"
