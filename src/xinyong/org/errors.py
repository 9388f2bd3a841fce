"""Org errors."""

from xinyong.errors import Conflict


class ProfileNotLoaded(Conflict):
    code = "profile_not_loaded"
