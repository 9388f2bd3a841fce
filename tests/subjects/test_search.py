"""Name and code search: substring semantics from one character, ranking, paging, the cap,
keeping the index in step with subject changes, and who may be found."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests import builders as b
from xinyong.kit import clock
from xinyong.kit.identifiers import IdType
from xinyong.records import queries
from xinyong.records import service as records
from xinyong.records.models import Lifecycle
from xinyong.subjects import search
from xinyong.subjects import service as subjects

TODAY = dt.date(2026, 11, 23)


def names(session: Session, q: str, **kw: object) -> list[str]:
    page = queries.search_subjects(session, q, today=TODAY, **kw)  # type: ignore[arg-type]
    return [h.name for h in page.items]


def test_one_two_and_longer_fragments_find_the_company_and_only_real_substrings(session: Session) -> None:
    b.company(session, name="常州澜泽科技有限公司")
    b.company(session, name="常州澜信科技有限公司")
    for q in ("澜", "澜泽", "泽科", "有限", "澜泽科技", "常州澜泽科技有限公司"):
        assert "常州澜泽科技有限公司" in names(session, q), q
    assert "常州澜信科技有限公司" not in names(session, "澜泽")
    assert "常州澜信科技有限公司" in names(session, "澜")
    assert names(session, "泽科技有限公司常州") == []


def test_three_character_query_does_not_match_names_holding_its_bigrams_apart(session: Session) -> None:
    b.company(session, name="常州澜泽信泽科技有限公司")  # has 澜泽 and 泽科, not 澜泽科
    b.company(session, name="常州澜泽科技有限公司")
    assert names(session, "澜泽科") == ["常州澜泽科技有限公司"]


def test_query_is_normalised_like_names_full_width_spaces_and_case(session: Session) -> None:
    b.company(session, name="常州ABC 澜泽科技有限公司")
    assert names(session, "ａｂｃ澜泽") == ["常州ABC 澜泽科技有限公司"]
    assert names(session, " 澜 泽 ") == ["常州ABC 澜泽科技有限公司"]


def test_ranking_exact_code_then_exact_name_then_prefix_then_the_rest(session: Session) -> None:
    rest = b.company(session, name="江苏澜泽有限公司")
    prefix_long = b.company(session, name="澜泽科技发展有限公司")
    prefix_short = b.company(session, name="澜泽科技有限公司")
    exact = b.company(session, name="澜泽")
    found = queries.search_subjects(session, "澜泽", today=TODAY)
    assert [h.id for h in found.items] == [exact.id, prefix_short.id, prefix_long.id, rest.id]
    assert [h.match for h in found.items] == ["exact", "prefix", "prefix", "contains"]
    # A code ranks first; a longer query ranks exact, prefix and the rest the same way.
    by_code = queries.search_subjects(session, str(rest.uscc).lower(), today=TODAY)
    assert [(h.id, h.match) for h in by_code.items] == [(rest.id, "code")]
    long = queries.search_subjects(session, "澜泽科技", today=TODAY)
    assert [h.id for h in long.items] == [prefix_long.id, prefix_short.id] or [h.id for h in long.items] == [
        prefix_short.id,
        prefix_long.id,
    ]
    assert all(h.match == "prefix" for h in long.items)
    b.company(session, name="常州澜泽科技有限公司")
    assert [h.match for h in queries.search_subjects(session, "澜泽科技", today=TODAY).items][
        -1
    ] == "contains"


def test_registration_number_finds_the_organisation(session: Session) -> None:
    s = b.company(session, name="常州澜泽科技有限公司")
    row = subjects.add_identifier(
        session, s, id_type=IdType.REG_NO, raw="320400000012345", unit_key="shi_scjgj", now=clock.now()
    )
    found = queries.search_subjects(session, row.lookup, today=TODAY)
    assert [(h.name, h.match) for h in found.items] == [("常州澜泽科技有限公司", "code")]


def test_pages_follow_rank_order_without_overlap(session: Session) -> None:
    for i in range(7):
        b.company(session, name=f"常州澜泽{'甲乙丙丁戊己庚'[i]}科技有限公司")
    first = queries.search_subjects(session, "澜泽", today=TODAY, page=1, per_page=3)
    second = queries.search_subjects(session, "澜泽", today=TODAY, page=2, per_page=3)
    third = queries.search_subjects(session, "澜泽", today=TODAY, page=3, per_page=3)
    ids = [h.id for p in (first, second, third) for h in p.items]
    assert first.total == 7 and not first.capped
    assert len(ids) == 7 == len(set(ids))
    assert [len(p.items) for p in (first, second, third)] == [3, 3, 1]
    everything = queries.search_subjects(session, "澜泽", today=TODAY, per_page=20)
    assert [h.id for h in everything.items] == ids


def test_total_is_counted_up_to_the_cap_and_says_so(session: Session) -> None:
    for i in range(6):
        b.company(session, name=f"常州澜泽{i}号有限公司")
    hits = search.search(session, "有限", cap=4)
    assert (hits.total, hits.capped) == (4, True)
    hits = search.search(session, "澜泽号", cap=4)
    assert (hits.total, hits.capped) == (0, False)
    hits = search.search(session, "号有限", cap=10)
    assert (hits.total, hits.capped) == (6, False)
    hits = search.search(session, "号有限", cap=5)
    assert (hits.total, hits.capped) == (5, True)


def test_renaming_a_subject_moves_it_in_the_index(session: Session) -> None:
    s = b.company(session, name="常州澜泽科技有限公司")
    subjects.set_name(session, s, name="常州蔚来新材料有限公司", unit_key="wujin_scjgj", now=clock.now())
    assert names(session, "澜泽") == []
    assert names(session, "蔚来") == ["常州蔚来新材料有限公司"]


def test_natural_person_is_found_only_while_a_record_of_theirs_is_public(session: Session) -> None:
    person, number = b.person(session, name="澜泽明")
    assert names(session, "澜泽") == []  # not indexed: no public record
    payload = b.item_payload(session, "sxbzxr", person, subject_id_type="身份证", subject_id_number=number)
    listing = b.record(session, person, item="sxbzxr", payload=payload)
    search.sync_persons(session, public=queries.public_person_ids(session, today=TODAY))
    assert names(session, "澜泽") == ["澜泽明"]
    records.set_lifecycle(
        session,
        record=listing,
        state=Lifecycle.REVOKED,
        reason="撤销",
        on=TODAY,
        actor=b.CLERK,
        now=clock.now(),
    )
    # Still in the index until the next sync, but never shown.
    assert search.search(session, "澜泽").total == 1
    assert names(session, "澜泽") == []
    search.sync_persons(session, public=queries.public_person_ids(session, today=TODAY))
    assert search.search(session, "澜泽").total == 0


def test_person_with_only_a_non_public_penalty_is_never_found(session: Session) -> None:
    person, number = b.person(session, name="澜泽红")
    payload = b.item_payload(session, "xzcf_zrr", person, subject_id_type="身份证", subject_id_number=number)
    b.record(session, person, item="xzcf_zrr", payload=payload)
    assert queries.public_person_ids(session, today=TODAY) == set()
    search.index_subject(session, person)  # default keeps a person out unless told otherwise
    assert search.search(session, "澜泽").total == 0


def test_bulk_rebuild_gives_the_same_answers_as_incremental_indexing(session: Session) -> None:
    made = [b.company(session, name=n) for n in ("常州澜泽科技有限公司", "澜泽", "江苏澜泽有限公司")]
    before = [(h.subject_id, h.tier) for h in search.search(session, "澜泽").hits]
    result = search.rebuild(session.connection(), persons=set())
    assert result["docs"] >= len(made)
    after = [(h.subject_id, h.tier) for h in search.search(session, "澜泽").hits]
    assert after == before
    assert search.search(session, "澜泽科").total == 1


def test_postings_hold_each_gram_once_with_its_best_rank() -> None:
    got = search.postings("澜泽澜")
    assert got == {
        (search.pack("澜"), 3),
        (search.pack("泽"), search.NOT_AT_START + 3),
        (search.pack("澜泽"), 3),
        (search.pack("泽澜"), search.NOT_AT_START + 3),
    }


def _postings_by_definition(norm: str) -> set[tuple[int, int]]:
    """Each distinct gram of 1 or 2 characters once, at its best rank: the name's length when the gram
    opens the name, else NOT_AT_START + length — spelled out gram by gram."""
    length = min(len(norm), search.MAX_LEN_RANK)
    best: dict[int, int] = {}
    for size in (1, 2):
        for i in range(len(norm) - size + 1):
            gram = search.pack(norm[i : i + size])
            rank = length if i == 0 else search.NOT_AT_START + length
            best[gram] = min(rank, best.get(gram, rank))
    return set(best.items())


@pytest.mark.parametrize(
    "name",
    [
        "",
        "澜",
        "澜澜",
        "澜泽澜泽",
        "常州市澜泽科技有限公司",
        "ABCAB",
        "A",
        "常州基准12贸易有限公司",
        "x" * 600,
    ],
)
def test_postings_match_their_definition(name: str) -> None:
    assert search.postings(search.normalise_name(name)) == _postings_by_definition(
        search.normalise_name(name)
    )
