"""Demo data: deterministic, checksum-valid, valid against the catalogue, fictitious, realistic mix."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy.orm import Session

from xinyong.catalog import queries as catalog
from xinyong.demo import names
from xinyong.demo.generator import Generator
from xinyong.demo.loader import build_context
from xinyong.kit import clock
from xinyong.kit.identifiers import IdType, check
from xinyong.records.validation import validate


def _gen(session: Session, seed: int = 5) -> Generator:
    ctx = build_context(session, batch_id=uuid.UUID(int=1))
    return Generator(ctx, seed=seed, records_per_subject=5.0)


def test_same_seed_gives_the_same_data(session: Session) -> None:
    a = _gen(session).chunk(0, 0, 300)
    b = _gen(session).chunk(0, 0, 300)
    assert [s["uscc"] for s in a.subjects] == [s["uscc"] for s in b.subjects]
    assert [r["payload"] for r in a.records] == [r["payload"] for r in b.records]
    c = _gen(session, seed=6).chunk(0, 0, 300)
    assert [s["name"] for s in a.subjects] != [s["name"] for s in c.subjects]


def test_codes_are_checksum_valid_and_unique_with_changzhou_divisions(session: Session) -> None:
    chunk = _gen(session).chunk(0, 0, 2000)
    codes = [s["uscc"] for s in chunk.subjects if s["uscc"]]
    assert len(codes) == len(set(codes))
    divisions = Counter()
    for code in codes:
        result = check(IdType.USCC, code)
        assert result.valid, (code, result.issues)
        divisions[code[2:8]] += 1
    assert set(divisions) <= {
        "320400",
        "320402",
        "320404",
        "320411",
        "320412",
        "320413",
        "320481",
        "320405",
        "320482",
    }
    assert divisions["320405"] + divisions["320482"] > 0


def test_every_generated_record_passes_its_catalogue_item(session: Session) -> None:
    chunk = _gen(session).chunk(0, 0, 1500)
    specs = catalog.all_specs(session)
    today = clock.today()
    for row in chunk.records:
        problems = [
            p for p in validate(specs[row["item_code"]], row["payload"], today=today) if p.severity == "error"
        ]
        assert problems == [], (row["item_code"], problems, row["payload"])


def test_mix_is_realistic(session: Session) -> None:
    chunk = _gen(session).chunk(0, 0, 5000)
    categories = Counter(s["category"] for s in chunk.subjects)
    assert categories["individual_business"] > categories["enterprise"] > categories["natural_person"] > 0
    assert any("分公司" in s["name"] for s in chunk.subjects)
    subjects_by_item: dict[str, set[object]] = {}
    for r in chunk.records:
        subjects_by_item.setdefault(r["item_code"], set()).add(r["subject_id"])
    n = len(chunk.subjects)
    assert 0.02 < len(subjects_by_item["xzcf_fr"]) / n < 0.08
    assert 0.002 < len(subjects_by_item["yzsx"]) / n < 0.012
    assert len(subjects_by_item["xzxk_fr"]) / n > 0.5
    assert 4.85 < len(chunk.records) / n < 5.15, len(chunk.records) / n


def test_natural_persons_have_valid_encrypted_ids_only(session: Session) -> None:
    chunk = _gen(session).chunk(0, 0, 500)
    assert chunk.identifiers
    for ident in chunk.identifiers:
        assert ident["masked"].count("*") >= 8
        assert len(ident["lookup"]) == 64
    from xinyong.kit.crypto import decrypt

    number = decrypt(chunk.identifiers[0]["encrypted"])
    assert check(IdType.RESIDENT_ID, number).valid


def test_names_avoid_well_known_brands(session: Session) -> None:
    chunk = _gen(session).chunk(0, 0, 3000)
    for s in chunk.subjects:
        assert not any(brand in s["name"] for brand in names.EXCLUDED_BRANDS), s["name"]


def test_identifiers_are_unique_across_chunks(session: Session) -> None:
    gen = _gen(session)
    lookups = [i["lookup"] for k in range(3) for i in gen.chunk(k, k * 4000, 4000).identifiers]
    codes = [s["uscc"] for k in range(3) for s in gen.chunk(k, k * 4000, 4000).subjects if s["uscc"]]
    assert len(lookups) == len(set(lookups)) and len(codes) == len(set(codes))
