"""Finding entities by what analysts type: ids, names, aliases, and full-text search."""

from __future__ import annotations

from typing import Any

import neo4j

from kb.queries import collected
from kb.queries.entities import label_of
from kb.queries.schema import FULLTEXT_INDEX

LOOKUP = f"""
CALL () {{
    MATCH (n:Entity) WHERE n.id IN [$id, toUpper($id)] RETURN n, 0 AS exact
  UNION
    MATCH (n:Entity) WHERE n.search_key CONTAINS $key RETURN n, 1 AS exact
}}
WITH n, min(exact) AS exact
WHERE $kinds IS NULL OR any(l IN labels(n) WHERE l IN $kinds)
RETURN n.id AS id, n.name AS name, {label_of('n')} AS entity, exact
ORDER BY exact, n.name, n.id LIMIT 20
"""

SEARCH = f"""
CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $lucene, {{limit: $fetch}})
YIELD node, score
WHERE $kinds IS NULL OR any(l IN labels(node) WHERE l IN $kinds)
WITH node, score ORDER BY score DESC, node.name, node.id LIMIT $limit
RETURN collect({{id: node.id, name: node.name, aliases: node.aliases,
                 entity: {label_of('node')}, kind: node.kind, score: score}}) AS rows
"""

EXACT_NAMES = f"""
MATCH (node:Entity) WHERE node.search_key CONTAINS $key
  AND ($kinds IS NULL OR any(l IN labels(node) WHERE l IN $kinds))
WITH node ORDER BY node.name, node.id LIMIT $limit
RETURN collect({{id: node.id, name: node.name, aliases: node.aliases,
                 entity: {label_of('node')}, kind: node.kind}}) AS rows
"""


def lookup(tx: neo4j.ManagedTransaction, text: str, key: str,
           kinds: list[str] | None) -> list[dict[str, Any]]:
    """Entities whose id is `text` or whose normalised name/alias is exactly `key`."""
    return [dict(r) for r in tx.run(LOOKUP, id=text, key=f"|{key}|", kinds=kinds)]


def search(tx: neo4j.ManagedTransaction, lucene: str, kinds: list[str] | None,
           limit: int) -> list[dict[str, Any]]:
    """Up to `limit` full-text hits over names and aliases, best first.

    With `kinds`, five times as many are taken from the index before the others are left out.
    """
    fetch = limit if kinds is None else limit * 5
    return collected(tx, SEARCH, lucene=lucene, kinds=kinds, limit=limit, fetch=fetch)


def exact_names(tx: neo4j.ManagedTransaction, key: str, kinds: list[str] | None,
                limit: int) -> list[dict[str, Any]]:
    """Entities with a name or alias that normalises to exactly `key` (kb.text.normalize)."""
    return collected(tx, EXACT_NAMES, key=f"|{key}|", kinds=kinds, limit=limit)
