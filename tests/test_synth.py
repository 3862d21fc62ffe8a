"""`kb synth`: a synthetic world that imports cleanly, the same for the same seed, and of
the shape and size the scale promises."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kb.generated import generated_records
from kb.ingest import check_references, read_directory, validate_records
from kb.synth import FILES, write


@pytest.fixture(scope="module")
def scale_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("synth")
    write(directory, 1, 7)
    return directory


def test_same_seed_same_files_other_seed_other_files(scale_one: Path, tmp_path: Path) -> None:
    write(tmp_path / "again", 1, 7)
    write(tmp_path / "other", 1, 8)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (scale_one / name).read_bytes(), name
    assert (tmp_path / "other" / FILES[2]).read_bytes() != (scale_one / FILES[2]).read_bytes()


def test_every_record_is_valid_and_every_reference_resolves(scale_one: Path) -> None:
    batch, errors = validate_records(read_directory(scale_one), require_sources=True)
    assert errors == []
    assert batch.duplicates == []
    # States and Domains come from the database (the generated records), as for any import
    known = {r["id"]: r["entity"] for r in generated_records()}
    assert check_references(batch, known) == []


def counts(directory: Path) -> tuple[Counter[str], Counter[str]]:
    kinds: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for name in FILES:
        with (directory / name).open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if "entity" in record:
                    kinds[record["entity"]] += 1
                else:
                    types[record["type"]] += 1
    return kinds, types


def test_shape_and_linear_growth(scale_one: Path, tmp_path: Path) -> None:
    kinds, types = counts(scale_one)
    assert 10_000 <= sum(types.values()) <= 16_000, types
    assert set(kinds) == {"Source", "Force", "Organization", "Person", "Place", "Agreement",
                          "Mechanism", "Event", "Operation"}
    # forces four levels deep: armed forces, service branch, command, unit
    assert {"FORCE_OF", "PART_OF", "HOLDS_POST", "PARTY_TO", "COVERS", "RESTS_ON",
            "PARTICIPATED_IN", "FOLLOW_UP_OF", "CONDUCTS", "IN_THEATRE"} <= set(types)
    # a fixed part per State (armed forces, ministry) and a part that grows with the scale
    write(tmp_path / "2", 2, 7)
    write(tmp_path / "3", 3, 7)
    one, two, three = (sum(t.values()) for t in (types, counts(tmp_path / "2")[1],
                                                 counts(tmp_path / "3")[1]))
    assert 0.9 <= (three - two) / (two - one) <= 1.1, (one, two, three)
    assert 8_000 <= two - one <= 10_000, (one, two)  # so scale 100 is about a million


def test_aliases_in_several_scripts(scale_one: Path) -> None:
    with (scale_one / FILES[1]).open(encoding="utf-8") as fh:
        person = next(json.loads(line) for line in fh if '"Person"' in line)
    scripts = {"latin": any("a" <= c <= "z" for a in person["aliases"] for c in a),
               "cyrillic": any("\u0400" <= c <= "\u04ff" for a in person["aliases"] for c in a),
               "greek": any("\u0370" <= c <= "\u03ff" for a in person["aliases"] for c in a)}
    assert all(scripts.values()), person


def person_degrees(directory: Path) -> Counter[str]:
    """Relations per synth Person (either end)."""
    degrees: Counter[str] = Counter()
    with (directory / FILES[2]).open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            for end in (record["from"], record["to"]):
                if "-person" in end:
                    degrees[end] += 1
    return degrees


def test_no_person_grows_into_a_hub(scale_one: Path, tmp_path: Path) -> None:
    # signatories and heads of delegation take turns among the State's officials, so a
    # person's relations do not grow with the world (they did: persons 0 and 1 of each
    # State signed every agreement and headed every delegation, 153 relations at scale 100)
    write(tmp_path / "4", 4, 7)
    small, large = person_degrees(scale_one), person_degrees(tmp_path / "4")
    assert max(large.values()) <= max(small.values()) <= 5, (small.most_common(3),
                                                             large.most_common(3))
    # and the turns reach every official: most persons sign or head something at scale 4
    busy = sum(1 for n in large.values() if n > 3)
    assert busy >= 0.6 * len(large), (busy, len(large))
