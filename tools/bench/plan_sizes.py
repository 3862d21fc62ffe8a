"""Does a statement of kb/queries/plans.py plan alike when its lists are as long as an
endpoint's? Neo4j keeps a plan per size step of each list parameter (0, 1, 2 to 10, 11 to
100, ...), so a sample of one or two ids may be planned otherwise than the requests it
stands for, which send a State's forces, a ranking's candidates, and so on.

    .venv/bin/python tools/bench/plan_sizes.py bolt://127.0.0.1:7687 [--size 12 --size 256]

For each statement with list parameters: EXPLAIN with the sample, then with every list
grown to each --size (padded with ids no entity has: a plan depends on sizes and types,
not values); prints SAME or DIFF, and both operator chains when they differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import neo4j

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kb.queries import trusted
from kb.queries.plans import STATEMENTS


def operators(driver: neo4j.Driver, query: str, params: dict[str, Any]) -> list[str]:
    """The plan's operators, top-down."""
    with driver.session() as session:
        plan = session.run(trusted("EXPLAIN " + query), params).consume().plan
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        found.append(node["operatorType"].split("@")[0])
        for child in node.get("children", []):
            walk(child)

    walk(plan)  # type: ignore[arg-type]
    return found


# the parameters that are lists of entity ids, whose length a request's data decides (the
# others, such as relation types, kinds or the domain vocabulary, come from the model)
ID_LISTS = ("actors", "parties", "ids", "a", "b", "forces", "frontier", "ends", "visited")


def grown(params: dict[str, Any], size: int) -> dict[str, Any]:
    """The parameters with each list of ids padded (or cut) to `size` items."""
    return {key: (value + [f"no-such-id-{i}" for i in range(size)])[:size]
            if key in ID_LISTS else value for key, value in params.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("uri")
    parser.add_argument("--size", type=int, action="append")
    args = parser.parse_args()
    driver = neo4j.GraphDatabase.driver(args.uri, auth=None)
    for name, query, params in STATEMENTS:
        if not any(key in ID_LISTS for key in params):
            continue
        sample = operators(driver, query, params)
        for size in args.size or [12, 256]:
            other = operators(driver, query, grown(params, size))
            print(f"{'SAME' if other == sample else 'DIFF'}  {name}  (lists of {size})")
            if other != sample:
                print(f"  sample: {' > '.join(sample)}\n  {size:>6}: {' > '.join(other)}")
    driver.close()


if __name__ == "__main__":
    main()
