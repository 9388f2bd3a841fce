"""Subjects: provenance of every value, conflicts kept visible, personal numbers encrypted."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.kit import clock
from xinyong.kit.identifiers import IdType
from xinyong.subjects import service
from xinyong.subjects.errors import InvalidIdentifier
from xinyong.subjects.models import SubjectIdentifier


def test_conflicting_names_from_two_units_are_both_kept(session: Session) -> None:
    firm = b.company(session, name="常州澜泽科技有限公司", unit="wujin_scjgj")
    service.note_attribute(
        session, firm, attr="name", value="常州澜泽科技公司", unit_key="shi_sw", now=clock.now()
    )
    session.flush()
    assert service.conflicts(session, firm) == {"name": ["常州澜泽科技公司", "常州澜泽科技有限公司"]}
    sources = {(a.value, a.source_unit_key) for a in service.attributes(session, firm) if a.attr == "name"}
    assert sources == {("常州澜泽科技有限公司", "wujin_scjgj"), ("常州澜泽科技公司", "shi_sw")}
    assert firm.name == "常州澜泽科技有限公司"


def test_seen_again_updates_last_seen_not_a_new_row(session: Session) -> None:
    firm = b.company(session)
    service.note_attribute(
        session, firm, attr="name", value=firm.name, unit_key="wujin_scjgj", now=clock.now()
    )
    session.flush()
    assert len([a for a in service.attributes(session, firm) if a.attr == "name"]) == 1


def test_personal_number_is_encrypted_and_found_by_lookup(session: Session) -> None:
    someone, number = b.person(session)
    row = session.scalar(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == someone.id))
    assert row is not None
    assert number not in (row.lookup, row.encrypted, row.masked)
    assert row.masked.startswith(number[:4]) and row.masked.endswith(number[-4:])
    assert service.find_by_identifier(session, IdType.RESIDENT_ID, number.lower()) == someone


def test_legacy_15_digit_id_finds_the_18_digit_holder(session: Session) -> None:
    someone, number = b.person(session)
    legacy = number[:6] + number[8:17]
    assert service.find_by_identifier(session, IdType.RESIDENT_ID, legacy) == someone


def test_organisation_found_by_code_in_any_case_or_width(session: Session) -> None:
    firm = b.company(session)
    code = firm.uscc or ""
    assert service.find_by_code(session, " " + code.lower() + " ") == firm


def test_bad_checksum_is_refused_with_a_clear_message(session: Session) -> None:
    code = b.uscc()
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match="校验"):
        service.create_legal_person(
            session,
            uscc=bad,
            name="常州测试有限公司",
            category="enterprise",
            unit_key="shi_scjgj",
            now=clock.now(),
        )
