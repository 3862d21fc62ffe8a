"""Imports of any size (kb/imports.py): everything checked before the first write, then
written in batches; a database failure part-way is one line, and a rerun completes it."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import neo4j
import pytest
from click.testing import CliRunner

from kb import imports, progress
from kb.cli import main
from kb.db import Database
from kb.synth import write as synth
from kb.warmup import WARM_URLS
from tests.conftest import KB
from tests.factories import e, r


def run(args: list[str], neo4j_uri: str, tmp_path: Path, **extra: str) -> tuple[int, str]:
    # no plan-cache warm-up after imports unless a test asks for it (KB_WARMUP=on)
    env = {"NEO4J_URI": neo4j_uri, "KB_DATA_DIR": str(tmp_path), "KB_WARMUP": "off", **extra}
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.output


def ndjson(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in records), encoding="utf-8")
    return path


def chain(n: int) -> list[dict[str, Any]]:
    """Relations first, then their entities: the import must order them itself."""
    return ([r("PART_OF", f"u{i}", f"u{i + 1}") for i in range(n - 1)]
            + [e("Force", f"u{i}", kind="unit") for i in range(n)])


def test_a_synthetic_world_imports_and_a_rerun_changes_nothing(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB) -> None:
    """An import that wrote warms the plan cache after it (kb.warmup); one that wrote
    nothing does not."""
    counts = synth(tmp_path / "world", 1, 3)
    before = empty_kb.counts()
    code, out = run(["import", str(tmp_path / "world")], neo4j_uri, tmp_path, KB_WARMUP="on")
    assert code == 0, out
    assert f"plan cache: {len(WARM_URLS)} questions asked in" in out, out
    entities = counts["10-sources.ndjson"] + counts["20-entities.ndjson"]
    assert empty_kb.counts() == (before[0] + entities, before[1] + counts["30-relations.ndjson"])
    code, again = run(["import", str(tmp_path / "world")], neo4j_uri, tmp_path,
                      KB_WARMUP="on")
    assert code == 0, again
    assert "created" not in again and "updated" not in again, again
    assert "plan cache" not in again, again
    assert empty_kb.counts() == (before[0] + entities, before[1] + counts["30-relations.ndjson"])


def test_one_bad_record_at_the_end_writes_nothing(neo4j_uri: str, tmp_path: Path,
                                                 empty_kb: KB,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    path = ndjson(tmp_path / "big.ndjson", [*chain(40), e("Force", "bad", kind="navy")])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    before = empty_kb.counts()
    code, out = run(["import", str(path)], neo4j_uri, tmp_path)
    assert code == 1, out
    assert "big.ndjson:80 (bad): kind:" in out
    assert "big.ndjson:81: _schema: not valid JSON" in out
    assert "Traceback" not in out
    assert empty_kb.counts() == before


BROKEN_FILES = {  # file: (its bytes, what the listing says of it)
    "a.yaml": (b"- {entity: Force, id: x\n- [unclosed\n",
               "a.yaml:2: _schema: not valid YAML: did not find expected ',' or '}' (column 3)"),
    "b.json": (b'[{"entity": "Force", "id": "x",]\n',
               "b.json:1: _schema: not valid JSON: Expecting property name"),
    "c.ndjson": (b'{"entity": "Force", "id": "x",\n', "c.ndjson:1: _schema: not valid JSON"),
    "d.yaml": (b"a\x01b: 1\n", "d.yaml: _schema: not valid YAML: unacceptable character"),
    "e.yaml": (b"\xff\xfe- x\n", "e.yaml: _schema: not UTF-8 text"),
    "f.json": (b'{"entity": "Force"}', "f.json: _schema: a file of records must hold a list"),
}


def broken_directory(path: Path) -> Path:
    """A directory holding one good file (a Source and a Force citing it) and each of
    BROKEN_FILES."""
    path.mkdir()
    ndjson(path / "0-good.ndjson", [
        {"entity": "Source", "id": "example-source", "kind": "news_report", "name": "Example"},
        e("Force", "fine", kind="unit")])
    for name, (content, _) in BROKEN_FILES.items():
        (path / name).write_bytes(content)
    return path


def test_files_that_cannot_be_read_are_listed_and_nothing_is_written(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB) -> None:
    """A syntax error, a control character or bytes that are not UTF-8, in YAML, JSON or
    NDJSON: each is one line of the listing, by file and line, as an invalid record is."""
    directory = broken_directory(tmp_path / "in")
    before = empty_kb.counts()
    for args in (["import", str(directory)], ["seed", "--dir", str(directory)],
                 ["validate", str(directory)]):
        code, out = run(args, neo4j_uri, tmp_path)
        assert code == 1, out
        assert "Traceback" not in out, out
        for _, listed in BROKEN_FILES.values():
            assert listed in out, (args, out)
        assert f"{len(BROKEN_FILES)} problem(s)" in out, out
    assert empty_kb.counts() == before


def test_what_holds_no_records_is_not_an_empty_import(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB) -> None:
    """A file of another kind named on the command line is a problem, not zero records; in a
    directory such files are not records and stay out; a directory of none is an error."""
    (tmp_path / "notes.csv").write_text("entity,id\nForce,x\n")
    code, out = run(["import", str(tmp_path / "notes.csv")], neo4j_uri, tmp_path)
    assert code == 1, out
    assert "notes.csv: _schema: not a file of records: kb reads .yaml" in out, out
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "README.md").write_text("records elsewhere")
    for args in (["import"], ["seed", "--dir"], ["validate"]):
        code, out = run([*args, str(tmp_path / "none")], neo4j_uri, tmp_path)
        assert code == 1, (args, out)
        assert "none holds no files of records" in out, (args, out)
        assert "Traceback" not in out, out
    ndjson(tmp_path / "none" / "one.ndjson", [e("Force", "fine", kind="unit")])
    code, out = run(["import", str(tmp_path / "none")], neo4j_uri, tmp_path)
    assert code == 0, out
    assert "1 created" in out, out
    (tmp_path / "empty.ndjson").write_text("")
    code, out = run(["import", str(tmp_path / "empty.ndjson")], neo4j_uri, tmp_path)
    assert code == 0, out
    assert "total: no records" in out, out


def test_a_missing_reference_in_the_last_batch_writes_nothing(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    path = ndjson(tmp_path / "refs.ndjson", [*chain(40), r("PART_OF", "u39", "nowhere")])
    before = empty_kb.counts()
    code, out = run(["import", str(path)], neo4j_uri, tmp_path)
    assert code == 1, out
    assert "refs.ndjson:80 (u39 PART_OF nowhere): to: no entity with id 'nowhere'" in out
    assert empty_kb.counts() == before


def test_a_database_failure_part_way_is_one_line_and_a_rerun_completes(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB, db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    path = ndjson(tmp_path / "chain.ndjson", chain(40))
    real, calls = imports.write_batch, []

    def failing(tx: Any, batch: Any, dry_run: bool, who: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 5:  # entities written (4 batches), the relations not yet
            # not a TransientError: the driver would retry that for 30 s first
            raise neo4j.exceptions.DatabaseError("the database failed")
        return real(tx, batch, dry_run, who, **kw)

    monkeypatch.setattr(imports, "write_batch", failing)
    before = empty_kb.counts()
    code, out = run(["import", str(path)], neo4j_uri, tmp_path)
    assert code == 1, out
    assert "Traceback" not in out
    [line] = [x for x in out.splitlines() if x.startswith("Error")]
    assert "after 40 of 79 records were written" in line and "run the same import" in line
    assert empty_kb.counts() == (before[0] + 40, before[1])

    monkeypatch.setattr(imports, "write_batch", real)
    code, out = run(["import", str(path)], neo4j_uri, tmp_path)
    assert code == 0, out
    assert empty_kb.counts() == (before[0] + 40, before[1] + 39)
    assert "40 unchanged" in out and "39 created" in out, out
    duplicated = db.read("MATCH (a)-[x:PART_OF]->(b) WITH a, b, count(x) AS n WHERE n > 1 "
                         "RETURN count(*) AS pairs")
    assert duplicated[0]["pairs"] == 0


def test_the_import_api_takes_bodies_of_many_batches(client: Any, empty_kb: KB,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    body = "".join(json.dumps(x) + "\n" for x in chain(40))
    before = empty_kb.counts()
    bad = client.post("/api/v1/import", data=body + '{"entity": "Force", "id": "x"}\n',
                      content_type="application/x-ndjson")
    assert bad.status_code == 422, bad.json
    assert [e["record"] for e in bad.json["errors"]] == ["line 80 (x)"] * 2, bad.json
    assert empty_kb.counts() == before
    resp = client.post("/api/v1/import", data=body, content_type="application/x-ndjson")
    assert resp.status_code == 200, resp.json
    assert resp.json["totals"] == {"created": 79}
    assert empty_kb.counts() == (before[0] + 40, before[1] + 39)
    # one audit entry per batch of 10, each with its counts
    feed = [c for c in client.get("/api/v1/changes?entity=import").json if c["actor"]["id"]]
    assert [c["counts"] for c in feed] == [{"created": 10}] * 7 + [{"created": 9}]


def test_the_import_api_logs_how_far_a_long_import_is(
        client: Any, empty_kb: KB, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    body = "".join(json.dumps(x) + "\n" for x in chain(40))

    def lines(dry_run: bool = False) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="kb.imports"):
            resp = client.post(f"/api/v1/import?dry_run={str(dry_run).lower()}", data=body,
                               content_type="application/x-ndjson")
        assert resp.status_code == 200, resp.json
        return [r.getMessage() for r in caplog.records if r.name == "kb.imports"]

    # by default a line at most every 30 s: here, as each step ends
    quiet = lines(dry_run=True)
    assert len(quiet) == 2, quiet
    assert re.fullmatch(r"import: 79 records checked in [\d.]+ s; compared \(dry run\) next",
                        quiet[0]), quiet
    assert re.fullmatch(r"import: 79 of 79 records compared \(dry run\) "
                        r"\([\d,]+ records/s, 0 s left\)", quiet[1]), quiet
    monkeypatch.setattr(progress, "LOG_EVERY_S", 0.0)
    every = lines()
    checked = [int(m.group(1)) for x in every
               if (m := re.fullmatch(r"import: (\d+) records checked \(.*", x))]
    written = [int(m.group(1)) for x in every
               if (m := re.fullmatch(r"import: (\d+) of 79 records written \(.*", x))]
    assert checked == [10, 20, 30, 40, 50, 60, 70, 79], every
    assert written == [10, 20, 30, 40, 50, 60, 70, 79], every
    assert empty_kb.counts()[0] >= 40


def test_an_import_audits_creates_whole_and_updates_by_changed_field(
        client: Any, empty_kb: KB) -> None:
    # the MERGE itself reports what an update replaced (no separate read): the trail must
    # hold the same entries as before that change
    first = [e("Force", "a1", kind="unit"), e("Force", "a2", kind="unit"),
             r("PART_OF", "a1", "a2", note="first")]
    resp = client.post("/api/v1/import", json=first)
    assert resp.status_code == 200, resp.json
    assert resp.json["totals"] == {"created": 3}
    rel_id = client.get("/api/v1/relations?type=PART_OF&from=a1").json[0]["id"]
    second = [e("Force", "a1", kind="unit", name="Renamed"), e("Force", "a2", kind="unit"),
              r("PART_OF", "a1", "a2", note="second")]
    resp = client.post("/api/v1/import", json=second)
    assert resp.status_code == 200, resp.json
    assert resp.json["totals"] == {"updated": 2, "unchanged": 1}, resp.json
    a1 = [(c["op"], c["before"], c["after"])
          for c in client.get("/api/v1/changes?entity=a1").json]
    assert a1[0][:2] == ("create", {}), a1
    assert a1[0][2] == {"id": "a1", "name": "A1", "kind": "unit", "sources": ["example-source"]}, a1
    assert a1[1:] == [("update", {"name": "A1"}, {"name": "Renamed"})], a1
    rel = [(c["op"], c["before"], c["after"])
           for c in client.get(f"/api/v1/changes?entity={rel_id}").json]
    assert [op for op, _, _ in rel] == ["create", "update"], rel
    assert rel[0][2]["note"] == "first" and rel[0][2]["from"] == "a1", rel
    # (the ends are no stored properties: an update names them in `after`, as it always did)
    assert rel[1][1:] == ({"note": "first"}, {"from": "a1", "note": "second", "to": "a2"}), rel


def test_every_id_is_known_across_chunks_and_against_the_database(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    # chunks of 10: what a record refers to, or clashes with, is in another chunk, in the
    # database, or nowhere (the ids are kept in the import's index on disk, kb.import_index)
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    first = ndjson(tmp_path / "first.ndjson", [e("Person", "p0"), e("Person", "p1")])
    assert run(["import", str(first)], neo4j_uri, tmp_path)[0] == 0
    world = [*chain(25), r("HOLDS_POST", "p1", "u20", title="Commander")]
    wrong = [*world, e("Force", "p1", kind="unit"),  # p1 is a Person in the database
             r("PART_OF", "u24", "p0"),  # a Person (in the database) is no end of PART_OF
             r("PART_OF", "u3", "u77"),  # in no chunk and not in the database
             e("Person", "p2", sources=["u4"])]  # u4, of a later chunk, is no Source
    before = empty_kb.counts()
    code, out = run(["import", str(ndjson(tmp_path / "wrong.ndjson", wrong)), "--workers", "1"],
                    neo4j_uri, tmp_path)
    assert code == 1, out
    assert "(p1): id: id already used by a Person" in out, out
    # the record's own kind is what its relations are checked against
    assert "(p1 HOLDS_POST u20): from: HOLDS_POST from must be one of Person, not Force" in out
    assert "(u24 PART_OF p0): to: PART_OF to must be one of Force, Organization, not Person" in out
    assert "no entity with id 'u77'" in out, out
    assert "'u4' is not a Source id" in out, out
    assert empty_kb.counts() == before
    # a dry run of three batches: the relations of later batches find the entities that
    # earlier ones would have written
    path = str(ndjson(tmp_path / "world.ndjson", world))
    code, out = run(["import", path, "--dry-run"], neo4j_uri, tmp_path)
    assert code == 0, out
    assert "total: 50 created" in out, out
    assert empty_kb.counts() == before
    code, out = run(["import", path], neo4j_uri, tmp_path)
    assert code == 0 and "total: 50 created" in out, out
    assert empty_kb.counts() == (before[0] + 25, before[1] + 25)


def test_checking_in_worker_processes_reports_and_writes_as_one_process(
        neo4j_uri: str, tmp_path: Path, empty_kb: KB, monkeypatch: pytest.MonkeyPatch) -> None:
    # chunks of 10 spread over two processes: what is listed, in what order, and what is
    # written must not depend on the number of workers
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    good = [*chain(30), e("Force", "u5", kind="unit")]  # the same record again: written once
    bad = [*good, e("Force", "u7", kind="unit", name="Other"),  # clashes with an earlier one
           r("PART_OF", "u29", "nowhere"), e("Force", "x", kind="navy"),
           r("PART_OF", "u3", "u9", nonsense="field")]
    path = ndjson(tmp_path / "bad.ndjson", bad)
    outs = [run(["import", str(path), "--workers", n], neo4j_uri, tmp_path) for n in "12"]
    assert outs[0][0] == outs[1][0] == 1, outs
    errors = [[x for x in out.splitlines() if "bad.ndjson" in x] for _, out in outs]
    assert errors[0] == errors[1] and len(errors[0]) == 2, errors  # the invalid records
    assert "bad.ndjson:63 (x): kind:" in errors[0][0], errors
    clashing = [x for x in bad if x != e("Force", "x", kind="navy") and "nonsense" not in x]
    path = ndjson(tmp_path / "clash.ndjson", clashing)
    outs = [run(["import", str(path), "--workers", n], neo4j_uri, tmp_path) for n in "12"]
    listed = [[x for x in out.splitlines() if "clash.ndjson" in x or "Error" in x]
              for _, out in outs]
    assert listed[0] == listed[1] and len(listed[0]) == 3 and outs[1][0] == 1, outs
    assert "clash.ndjson:61 (u7): id: the same id with other contents earlier" in outs[0][1]
    assert "no entity with id 'nowhere'" in outs[0][1]
    before = empty_kb.counts()
    code, out = run(["import", str(ndjson(tmp_path / "good.ndjson", good)), "--workers", "2"],
                    neo4j_uri, tmp_path)
    assert code == 0, out
    assert empty_kb.counts() == (before[0] + 30, before[1] + 29)
