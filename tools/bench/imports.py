"""The three ways records get into the database, timed: the driver floor, `kb import`, the API.

The floor is what the driver alone costs for the same records: per entity label one
`UNWIND $rows MERGE (n:Entity:Label {id}) SET n += props`, per relation type one
`UNWIND $rows MATCH (a {id: from}), (b {id: to}) MERGE (a)-[r:TYPE {id}]->(b) SET r += props`,
5,000 rows a transaction (kb import's batch). No validation, hashing, versions or outcomes:
that work is what the other two add on top.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j

from kb.model import ENTITY_LABEL, get_model
from kb.queries import check_name, trusted

BATCH = 5_000  # rows a transaction in the floor, as kb.imports writes
API_CHUNK = 5_000  # records a POST /api/v1/import (~1.5 MB of NDJSON, under the 10 MB limit)
SYNTH_PREFIX = "syn-"


def records(directory: Path) -> Iterator[dict[str, Any]]:
    """The synth records, file by file (sources, entities, relations)."""
    for path in sorted(directory.glob("*.ndjson")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def _props(record: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    # nested values (status histories) cannot be properties: stored as JSON text
    return {k: json.dumps(v) if isinstance(v, dict) or (isinstance(v, list) and v
                                                         and isinstance(v[0], dict)) else v
            for k, v in record.items() if k not in drop}


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, BATCH)):
        yield batch


def floor_import(driver: neo4j.Driver, directory: Path) -> int:
    """Write the synth records with batched UNWIND MERGE; returns the records written."""
    entities: dict[str, list[dict[str, Any]]] = defaultdict(list)
    relations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records(directory):
        if "entity" in rec:
            entities[rec["entity"]].append({"id": rec["id"],
                                            "props": _props(rec, ("entity",))})
        else:
            rid = f"{rec['from']}|{rec['type']}|{rec['to']}"
            relations[rec["type"]].append({"from": rec["from"], "to": rec["to"],
                                           "props": {"id": rid,
                                                     **_props(rec, ("type", "from", "to"))}})
    model = get_model()
    count = 0
    for label, rows in entities.items():
        check_name(label in model.entities, label)
        query = (f"UNWIND $rows AS row MERGE (n:{ENTITY_LABEL}:{label} {{id: row.id}}) "
                 "SET n += row.props")
        for batch in _batches(rows):
            driver.execute_query(trusted(query), rows=batch)
            count += len(batch)
    for rtype, rows in relations.items():
        check_name(rtype in model.relations, rtype)
        query = (f"UNWIND $rows AS row MATCH (a:{ENTITY_LABEL} {{id: row.from}}) "
                 f"MATCH (b:{ENTITY_LABEL} {{id: row.to}}) "
                 f"MERGE (a)-[r:{rtype} {{id: row.props.id}}]->(b) SET r += row.props")
        for batch in _batches(rows):
            driver.execute_query(trusted(query), rows=batch)
            count += len(batch)
    return count


def state(driver: neo4j.Driver) -> tuple[int, int]:
    """(nodes in the database, the last audit sequence number) before an import."""
    row = driver.execute_query(trusted(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } "
        "CALL () { MATCH (c:Change) RETURN coalesce(max(c.seq), 0) AS seq } "
        "RETURN nodes, seq")).records[0]
    return int(row["nodes"]), int(row["seq"])


def wipe_synth(driver: neo4j.Driver, since_seq: int) -> int:
    """Delete every synth node, its relations and the audit Changes after since_seq (the
    import's, one a record); returns the nodes left in the database."""
    with driver.session() as session:
        session.run(trusted(
            f"MATCH (n:{ENTITY_LABEL}) WHERE n.id STARTS WITH $prefix "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"),
            prefix=SYNTH_PREFIX).consume()
        session.run(trusted(
            "MATCH (c:Change) WHERE c.seq > $seq "
            "CALL (c) { DELETE c } IN TRANSACTIONS OF 5000 ROWS"), seq=since_seq).consume()
    return state(driver)[0]


def kb_import(directory: Path) -> None:
    """`kb import DIR` as a user runs it (its own process, its progress bars discarded),
    without the plan-cache warm-up that follows an import (KB_WARMUP): the rate is the
    import's."""
    done = subprocess.run([sys.executable, "-m", "kb.cli", "import", str(directory)],
                          capture_output=True, text=True, env={**os.environ, "KB_WARMUP": "off"})
    if done.returncode != 0:
        raise RuntimeError(f"kb import failed:\n{done.stderr[-3000:]}")


def api_import(base: str, key: str, directory: Path) -> int:
    """POST the records as NDJSON, API_CHUNK records a request; returns the largest body."""
    largest = 0
    it = records(directory)
    while chunk := list(itertools.islice(it, API_CHUNK)):
        body = "".join(json.dumps(r) + "\n" for r in chunk).encode()
        largest = max(largest, len(body))
        req = urllib.request.Request(f"{base}/api/v1/import", data=body, method="POST", headers={
            "Content-Type": "application/x-ndjson", "Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            if resp.status not in (200, 201):
                raise RuntimeError(f"POST /api/v1/import: HTTP {resp.status}")
            resp.read()
    return largest


def timed(work: Any, *args: Any) -> tuple[float, Any]:
    """(seconds, result) of work(*args)."""
    start = time.perf_counter()
    result = work(*args)
    return time.perf_counter() - start, result
