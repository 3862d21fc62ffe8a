"""The data-quality report (kb/curation.py) and `kb validate --report / --thresholds`.

No database: the checks are pure functions over parsed records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kb import curation
from kb.cli import main
from kb.curation import REFERENCE_LIST as REF
from kb.settings import PROJECT_ROOT


def counts(records: list[dict[str, Any]], texts: dict[str, str] | None = None) -> dict[str, int]:
    rep = curation.report([(f"f.yaml#{i}", r) for i, r in enumerate(records, 1)], texts or {})
    return {k: v for k, v in rep.counts().items() if v}


def graded(id_: str, **extra: Any) -> dict[str, Any]:
    return {"entity": "Source", "id": id_, "name": id_, "kind": "news_report",
            "url": f"https://example.org/{id_}", "reliability": "B", "credibility": "2",
            **extra}


def mechanism(id_: str = "m", **extra: Any) -> dict[str, Any]:
    return {"entity": "Mechanism", "id": id_, "name": id_, "kind": "hotline",
            "established_on": "2015", "sources": ["s"],
            "status_history": [{"status": "active", "since": "2015", "sources": ["s"]}],
            **extra}


def test_a_clean_batch_has_no_findings() -> None:
    records = [graded("s"), mechanism(),
               {"entity": "Agreement", "id": "a", "name": "A", "kind": "treaty",
                "in_force_from": "1990", "sources": ["s", REF],
                "status_history": [{"status": "active", "since": "1990", "sources": ["s", REF]}]},
               {"type": "COVERS", "from": "m", "to": "naval", "sources": [REF, "s"]},
               {"entity": "Domain", "id": "naval", "name": "Naval"}]
    assert counts(records) == {}


def test_facts_citing_only_the_reference_list_are_circular() -> None:
    records = [
        {"entity": "Force", "id": "f", "name": "F", "kind": "unit", "sources": [REF]},
        {"entity": "Force", "id": "g", "name": "G", "kind": "unit", "sources": [REF, REF]},
        {"entity": "Force", "id": "h", "name": "H", "kind": "unit", "sources": [REF, "s"]},
        {"type": "PART_OF", "from": "f", "to": "g", "sources": [REF]},
        {"type": "PART_OF", "from": "g", "to": "h", "sources": ["s"]},
        # the reference list itself and the domains are not facts
        {**graded(REF), "sources": [REF]},
    ]
    rep = curation.report([(f"f.yaml#{i}", r) for i, r in enumerate(records, 1)], {})
    circular = [(f.origin, f.record) for f in rep.findings if f.check == "circular_sources"]
    assert circular == [("f.yaml#1", "f"), ("f.yaml#2", "g"), ("f.yaml#4", "f PART_OF g")]


def test_sources_need_a_url_and_both_grades() -> None:
    records = [graded("ok"),
               {**graded("no-url"), "url": None},
               {**graded("half"), "credibility": None},
               {"entity": "Source", "id": "bare", "name": "Bare", "kind": "dataset"}]
    assert counts(records) == {"source_no_url": 2, "source_no_grade": 2}


def test_mechanisms_and_agreements_need_a_start_and_a_status() -> None:
    records = [
        mechanism("m1"),
        mechanism("m2", established_on=None),
        mechanism("m3", status_history=[]),
        {"entity": "Agreement", "id": "a1", "name": "A1", "kind": "treaty", "sources": ["s"],
         "signed_on": "1972"},
        {"entity": "Agreement", "id": "a2", "name": "A2", "kind": "treaty", "sources": ["s"]},
        # other kinds have no start date or status to check
        {"entity": "Event", "id": "e", "name": "E", "kind": "meeting", "start": "2015",
         "sources": ["s"]},
    ]
    assert counts(records) == {"no_start_date": 2, "no_status": 3}


def test_status_entries_need_sources_other_than_the_reference_list() -> None:
    history = [{"status": "proposed", "since": "2014", "sources": []},
               {"status": "active", "since": "2015"},
               {"status": "suspended", "since": "2016", "sources": [REF]},
               {"status": "active", "since": "2017", "sources": [REF, "s"]}]
    rep = curation.report([("f.yaml#1", mechanism(status_history=history))], {})
    assert rep.counts()["status_unsourced"] == 2
    assert rep.counts()["status_circular"] == 1
    assert [f.detail for f in rep.findings] == [
        "status_history.0", "status_history.1", "status_history.2"]


def test_quotes_are_checked_only_against_a_stored_text() -> None:
    records = [graded("found", quote="The meetings dealt with  a mechanism of safety"),
               graded("elided", quote="The meetings dealt ... of safety"),
               graded("missing", quote="Nothing of the sort was said."),
               graded("no-text", quote="A quote no stored text can confirm.")]
    text = "\u201cThe MEETINGS dealt\nwith a mechanism of safety,\u201d the IDF said."
    texts = {"found": text, "elided": text, "missing": text}
    rep = curation.report([(f"f.yaml#{i}", r) for i, r in enumerate(records, 1)], texts)
    assert {k: v for k, v in rep.counts().items() if v} == {
        "quote_not_found": 1, "quote_no_text": 1}
    assert [f.record for f in rep.findings] == ["missing", "no-text"]
    assert rep.texts == {"quotes": 4, "stored texts": 3,
                         "quotes checked against a stored text": 3,
                         "quotes with no stored text": 1}


def test_quote_matching_keeps_word_boundaries_and_order() -> None:
    assert curation.quote_in_text("safety between", "of safety between both")
    assert not curation.quote_in_text("safe", "of safety between both")
    assert not curation.quote_in_text("both ... safety", "of safety between both")


def test_source_texts_are_read_from_the_sources_folder(tmp_path: Path) -> None:
    assert curation.read_source_texts(tmp_path) == {}
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "idf-statement.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "sources" / "notes.md").write_text("ignored", encoding="utf-8")
    assert curation.read_source_texts(tmp_path) == {"idf-statement": "Text."}


def test_worst_offenders_most_problems_first_then_file_order() -> None:
    records = [
        ("b.yaml#10", {"entity": "Source", "id": "two", "name": "t", "kind": "dataset",
                       "url": "https://x.org"}),                                   # 1 problem
        ("a.yaml#2", {"entity": "Source", "id": "one", "name": "o", "kind": "dataset"}),  # 2
        ("b.yaml#9", mechanism("m", established_on=None, status_history=None,
                               sources=[REF])),                                     # 3
        ("b.yaml#2", {"entity": "Source", "id": "three", "name": "t", "kind": "dataset",
                      "url": "https://x.org"}),                                    # 1
    ]
    rep = curation.report(records, {})
    assert [(o, r, n) for o, r, n, _ in rep.worst()] == [
        ("b.yaml#9", "m", 3), ("a.yaml#2", "one", 2), ("b.yaml#2", "three", 1),
        ("b.yaml#10", "two", 1)]
    assert rep.worst(1)[0][3] == {"circular_sources": 1, "no_start_date": 1, "no_status": 1}
    table = curation.render(rep, {"no_status": 0})
    assert "Worst offenders" in table and "b.yaml#9" in table and "OVER" in table


def test_thresholds_name_each_check_over_its_maximum(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[max]\ncircular_sources = 3\nno_status = 0\n", encoding="utf-8")
    limits = curation.load_thresholds(path)
    assert limits == {"circular_sources": 3, "no_status": 0}
    assert curation.breaches({"circular_sources": 3, "no_status": 2}, limits) == [
        "no_status: 2 found, maximum 0"]
    path.write_text("[max]\ncircular = 3\nno_status = -1\n", encoding="utf-8")
    with pytest.raises(curation.ThresholdsError, match=r"unknown check 'circular'.*no_status"):
        curation.load_thresholds(path)


def test_repository_thresholds_name_every_check() -> None:
    assert set(curation.load_thresholds(PROJECT_ROOT / "curation.toml")) == set(curation.CHECKS)


def seed_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "seed"
    directory.mkdir()
    (directory / "a.yaml").write_text(
        f"- {{entity: Source, id: {REF}, name: Ref, kind: reference_work}}\n"
        f"- {{entity: Force, id: x, name: X, kind: unit, sources: [{REF}]}}\n", encoding="utf-8")
    return directory


def test_validate_fails_when_a_count_exceeds_its_maximum(tmp_path: Path) -> None:
    limits = tmp_path / "limits.toml"
    limits.write_text("[max]\ncircular_sources = 0\nsource_no_url = 10\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(seed_dir(tmp_path)),
                                       "--thresholds", str(limits)])
    assert result.exit_code == 1, result.output
    assert "circular_sources: 1 found, maximum 0" in result.output
    assert "source_no_url" not in result.output.split("Error:")[-1]
    assert "a.yaml#2" in result.output  # the offender, with its file


def test_validate_report_alone_never_fails_on_counts(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(seed_dir(tmp_path)), "--report"])
    assert result.exit_code == 0, result.output
    assert "circular_sources" in result.output and "Worst offenders" in result.output


def test_validate_seed_data_within_the_repository_thresholds() -> None:
    result = CliRunner().invoke(main, ["validate", str(PROJECT_ROOT / "seed_data"),
                                       "--thresholds", str(PROJECT_ROOT / "curation.toml")])
    assert result.exit_code == 0, result.output
    assert "data quality: every count within" in result.output
    for check in curation.CHECKS:
        assert check in result.output
