"""Records no one writes by hand: the Domains of the model, and the States of ISO 3166-1.

They are loaded with the seed data (see kb.ingest.seed_records), so every database knows
every State by its alpha-3 code, with its names and its ISO Source.
"""

from __future__ import annotations

from typing import Any

import pycountry

from kb.model import get_model

ISO_SOURCE_ID = "iso-3166"
# Historic states the knowledge base refers to (pycountry's historic_countries), with the
# names analysts type for them.
HISTORIC_STATES = {"SUN": ["USSR", "Soviet Union"]}


def generated_records() -> list[dict[str, Any]]:
    """Records the model and pycountry provide: Domains, States and their Source."""
    model = get_model()
    records: list[dict[str, Any]] = [{
        "entity": "Source", "id": ISO_SOURCE_ID, "kind": "reference_work",
        "name": "ISO 3166-1 country codes (as shipped by the pycountry package)",
        "publisher": "International Organization for Standardization",
        # the standard itself, as its maintainer publishes it (A1); pycountry ships it offline
        "reliability": "A", "credibility": "1",
    }]
    for value, meta in model.vocabularies["domain"].items():
        records.append({"entity": "Domain", "id": value, "name": meta.get("name", value),
                        "aliases": meta.get("aliases", [])})
    for c in pycountry.countries:
        aliases = [a for a in (getattr(c, "official_name", None), getattr(c, "common_name", None),
                               c.alpha_2) if a and a != c.name]
        records.append({"entity": "State", "id": c.alpha_3, "name": c.name, "iso2": c.alpha_2,
                        "aliases": aliases, "sources": [ISO_SOURCE_ID]})
    for code, aliases in HISTORIC_STATES.items():
        h = pycountry.historic_countries.get(alpha_3=code)
        if h is None:  # pycountry dropped a code this knowledge base relies on
            raise LookupError(f"pycountry has no historic state {code}")
        records.append({"entity": "State", "id": h.alpha_3, "name": h.name,
                        "aliases": [*aliases, h.alpha_4], "sources": [ISO_SOURCE_ID]})
    return records
