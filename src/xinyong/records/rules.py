"""The publicity rules in force, as loaded from the profile into the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.org import queries as org
from xinyong.records.publicity import PublicityRules

_cache: dict[str, PublicityRules] = {}


def current_rules(session: Session) -> PublicityRules:
    """The loaded PublicityRules (cached per loaded profile version)."""
    st = org.state(session)
    key = f"{st.version}:{st.loaded_at.isoformat()}"
    rules = _cache.get(key)
    if rules is None:
        rules = PublicityRules.model_validate(st.spec["publicity"])
        _cache.clear()
        _cache[key] = rules
    return rules
