"""A synthetic world for load and scale tests: import files of realistic shape, the same for
the same scale and seed.

Every State gets armed forces three or four levels deep, a ministry, officials holding posts
over time, places, agreements and mechanisms with its neighbours and rivals (domains, status
histories), events with participants and places, and operations in theatres; every fact
cites a Source. Signatories and heads of delegation take turns among each State's
officials, so no person becomes a hub as the world grows. Scale 1 is about 13,000
relations, and the world grows linearly with the scale (100: about a million). States and
Domains are not written: the database must hold them (`kb seed` or `kb schema apply` + the
generated records), as for any import.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry

from kb.model import get_model

SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "shi", "an", "der", "ko", "li", "mar", "sa",
             "vel", "ni", "to", "gor", "el", "da", "rin", "bo", "zu", "pet", "ya"]
CYRILLIC = dict(zip("abdegiklmnoprstuvyz", "абдегиклмнопрстувыз", strict=True))
GREEK = dict(zip("abdegiklmnoprstuvyz", "αβδεγικλμνοπρστυβυζ", strict=True))
BRANCHES = [("army", "Army", "land"), ("navy", "Navy", "naval"), ("air", "Air Force", "aerial")]
TITLES = ["Chief of the General Staff", "Deputy Chief of the General Staff", "Minister of Defence",
          "Commander", "Head of International Cooperation", "Defence Attaché"]
FILES = ("10-sources.ndjson", "20-entities.ndjson", "30-relations.ndjson")


@dataclass
class World:
    """The random source and the ids made so far that later records refer to."""

    rng: random.Random
    scale: int
    sources: int

    def cite(self) -> list[str]:
        """One or two source ids."""
        picks = {self.rng.randrange(self.sources) for _ in range(self.rng.choice((1, 1, 2)))}
        return [f"syn-src-{n}" for n in sorted(picks)]

    def year(self, lo: int = 1975, hi: int = 2025) -> int:
        return self.rng.randint(lo, hi)

    def date(self, lo: int = 1975, hi: int = 2025) -> str:
        return f"{self.year(lo, hi)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def word(self, n: int = 2) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(n)).capitalize()


def vocab(name: str) -> list[str]:
    """The values of a vocabulary of the model."""
    return list(get_model().vocabularies[name])


def entity(label: str, id_: str, name: str, w: World, **fields: Any) -> dict[str, Any]:
    """An entity record citing a source."""
    return {"entity": label, "id": id_, "name": name, **fields, "sources": w.cite()}


def relation(type_: str, a: str, b: str, w: World, **fields: Any) -> dict[str, Any]:
    """A relation record citing a source."""
    return {"type": type_, "from": a, "to": b, **fields, "sources": w.cite()}


def scripts(name: str) -> list[str]:
    """The name written in Cyrillic and Greek letters (aliases in several scripts)."""
    low = name.lower()
    return ["".join(table.get(c, c) for c in low) for table in (CYRILLIC, GREEK)]


def history(w: World, since: int) -> list[dict[str, Any]]:
    """A status history: negotiated, then active, sometimes suspended or terminated."""
    steps = [("under_negotiation", since), ("active", since + w.rng.randint(0, 2))]
    if w.rng.random() < 0.3:
        later = steps[-1][1] + w.rng.randint(1, 8)
        steps.append((w.rng.choice(["suspended", "terminated"]), later))
    return [{"status": s, "since": str(y), "sources": w.cite()} for s, y in steps]


def sources(w: World) -> Iterator[dict[str, Any]]:
    """The pool of sources every fact cites."""
    kinds = vocab("source_kind")
    for n in range(w.sources):
        yield {"entity": "Source", "id": f"syn-src-{n}", "name": f"{w.word(3)} report {n}",
               "kind": w.rng.choice(kinds), "publisher": f"{w.word()} News",
               "published_on": w.date(1990), "url": f"https://example.org/reports/{n}",
               "reliability": w.rng.choice("ABC"), "credibility": w.rng.choice("123")}


def state_world(w: World, code: str, name: str, partners: list[str]
                ) -> Iterator[dict[str, Any]]:
    """Everything synthetic about one State (entities and relations mixed)."""
    c = code.lower()
    af = f"syn-{c}-af"
    yield entity("Force", af, f"{name} Armed Forces", w, kind="armed_forces",
                 aliases=[f"{code} AF", *scripts(f"{name} Armed Forces")])
    yield relation("FORCE_OF", af, code, w)
    mod = f"syn-{c}-mod"
    yield entity("Organization", mod, f"{name} Ministry of Defence", w, kind="ministry",
                 aliases=[f"{code} MoD"])
    yield relation("ORGANIZATION_OF", mod, code, w)
    yield relation("PART_OF", af, mod, w)
    units: list[str] = [af]
    for slug, label, _ in BRANCHES:
        branch = f"syn-{c}-{slug}"
        yield entity("Force", branch, f"{name} {label}", w, kind="service_branch",
                     aliases=scripts(f"{name} {label}"))
        yield relation("FORCE_OF", branch, code, w)
        yield relation("PART_OF", branch, af, w)
        for k in range(w.scale):
            command = f"{branch}-cmd{k}"
            yield entity("Force", command, f"{w.word()} Command ({name} {label})", w,
                         kind="command")
            yield relation("PART_OF", command, branch, w)
            unit = f"{command}-u"
            yield entity("Force", unit, f"{w.word()} {k + 1}st unit ({name} {label})", w,
                         kind="unit", founded_on=str(w.year(1950, 2015)))
            yield relation("PART_OF", unit, command, w)
            units += [branch, command, unit]
    places = [f"syn-{c}-place{k}" for k in range(2 + w.scale // 5)]
    for k, place in enumerate(places):
        kind = "theatre" if k == 0 else w.rng.choice(["city", "base", "region"])
        yield entity("Place", place, f"{w.word()} ({name})", w, kind=kind,
                     latitude=round(w.rng.uniform(-60, 70), 4),
                     longitude=round(w.rng.uniform(-180, 180), 4))
        yield relation("LOCATED_IN", place, code, w)
    yield from officials(w, c, code, name, [af, mod, *units[1:4]])
    for k in range(w.scale):
        partner = partners[k % len(partners)]
        yield from pact(w, c, code, partner, k, places)
        yield from mechanism(w, c, code, partner, k, af, places)
        yield from events(w, c, code, partner, k, [af, *units[1:4]], places)
        if k % 2 == 0:
            yield from operation(w, c, code, k, units, places)


def officials_count(w: World) -> int:
    """How many Persons each State has: two, and two more per unit of scale."""
    return 2 + 2 * w.scale


def official(w: World, c: str, turn: int) -> str:
    """The id of the State's official whose turn it is (signing, heading a delegation).

    Turns go round the officials, so each signs or heads a few things, as officials in
    office for a term do, however large the world: one person signing every agreement of
    the State over fifty years would be no real person, and an entity GET of a synth
    person would time the degree of a hub instead."""
    return f"syn-{c}-person{turn % officials_count(w)}"


def officials(w: World, c: str, code: str, name: str, posts: list[str]
              ) -> Iterator[dict[str, Any]]:
    """Persons of the State holding posts over time, each post dated."""
    for k in range(officials_count(w)):
        person = f"syn-{c}-person{k}"
        full = f"{w.word()} {w.word(3)}"
        first, last = full.split()
        yield entity("Person", person, full, w, aliases=[f"{first[0]}. {last}", *scripts(full)],
                     born_on=str(w.year(1940, 1985)))
        yield relation("NATIONAL_OF", person, code, w)
        start = w.year(1980, 2015)
        for _ in range(2):
            end = start + w.rng.randint(1, 6)
            yield relation("HOLDS_POST", person, w.rng.choice(posts), w,
                           title=w.rng.choice(TITLES), valid_from=str(start), valid_to=str(end))
            start = end


def pact(w: World, c: str, code: str, partner: str, k: int, places: list[str]
         ) -> Iterator[dict[str, Any]]:
    """An agreement between the State and a partner, its signatories and domains."""
    ag = f"syn-{c}-agreement{k}"
    year = w.year(1975, 2022)
    kinds = vocab("agreement_kind")
    yield entity("Agreement", ag, f"{code}-{partner} {w.word()} memorandum {k}", w,
                 kind=w.rng.choice(kinds), signed_on=str(year), status_history=history(w, year))
    for party in (code, partner):
        yield relation("PARTY_TO", party, ag, w, role="party")
    yield relation("SIGNED", official(w, c, k), ag, w)
    yield relation("SIGNED_AT", ag, places[0], w)
    for domain in w.rng.sample(vocab("domain"), w.rng.randint(1, 2)):
        yield relation("COVERS", ag, domain, w)


def mechanism(w: World, c: str, code: str, partner: str, k: int, af: str, places: list[str]
              ) -> Iterator[dict[str, Any]]:
    """A mechanism between the two armed forces, resting on the agreement."""
    mech = f"syn-{c}-mechanism{k}"
    year = w.year(1980, 2024)
    kinds = vocab("mechanism_kind")
    yield entity("Mechanism", mech, f"{code}-{partner} {w.word()} {w.rng.choice(kinds)} {k}", w,
                 kind=w.rng.choice(kinds), established_on=str(year),
                 status_history=history(w, year))
    yield relation("PARTY_TO", af, mech, w, role="endpoint")
    yield relation("PARTY_TO", f"syn-{partner.lower()}-af", mech, w, role="endpoint")
    yield relation("RESTS_ON", mech, f"syn-{c}-agreement{k}", w)
    yield relation("APPLIES_IN", mech, places[0], w)
    for domain in w.rng.sample(vocab("domain"), w.rng.randint(1, 3)):
        yield relation("COVERS", mech, domain, w)


def events(w: World, c: str, code: str, partner: str, k: int, forces: list[str],
           places: list[str]) -> Iterator[dict[str, Any]]:
    """Two meetings about the mechanism, the second a follow-up of the first."""
    kinds = ["meeting", "talks", "visit", "exercise", "incident"]
    previous = None
    for n in range(2):
        ev = f"syn-{c}-event{k}-{n}"
        yield entity("Event", ev, f"{w.word()} {w.rng.choice(kinds)} {code}-{partner}", w,
                     kind=w.rng.choice(kinds), start=w.date(1990), status="happened")
        yield relation("PARTICIPATED_IN", w.rng.choice(forces), ev, w, role="participant")
        yield relation("PARTICIPATED_IN", official(w, c, 2 * k + n), ev, w,
                       role="head_of_delegation")
        yield relation("PARTICIPATED_IN", f"syn-{partner.lower()}-af", ev, w,
                       role="participant")
        yield relation("TOOK_PLACE_IN", ev, w.rng.choice(places), w)
        yield relation("CONCERNS", ev, f"syn-{c}-mechanism{k}", w, how="discussed")
        if previous:
            yield relation("FOLLOW_UP_OF", ev, previous, w)
        previous = ev


def operation(w: World, c: str, code: str, k: int, units: list[str], places: list[str]
              ) -> Iterator[dict[str, Any]]:
    """An operation of one of the State's forces in its theatre."""
    op = f"syn-{c}-operation{k}"
    domain = BRANCHES[k % 3][2]
    kinds = vocab("operation_kind")
    yield entity("Operation", op, f"Operation {w.word(3)} ({code})", w,
                 kind=w.rng.choice(kinds), start=w.date(1990))
    yield relation("CONDUCTS", w.rng.choice(units), op, w)
    yield relation("IN_THEATRE", op, places[0], w)
    yield relation("IN_DOMAIN", op, domain, w)


def world(scale: int, seed: int) -> Iterator[dict[str, Any]]:
    """Every record of the synthetic world: sources first, then each State's records."""
    w = World(random.Random(seed), scale, sources=100 * scale)
    yield from sources(w)
    codes = sorted((c.alpha_3, c.name) for c in pycountry.countries)
    n = len(codes)
    for i, (code, name) in enumerate(codes):
        # a neighbour (next in the list) and a rival (a fixed stride away): pairs recur
        partners = [codes[(i + 1) % n][0], codes[(i + 17) % n][0]]
        yield from state_world(w, code, name, partners)


def write(directory: Path, scale: int, seed: int) -> dict[str, int]:
    """Write the world as NDJSON files (sources, entities, relations, in loading order);
    returns the number of records in each."""
    directory.mkdir(parents=True, exist_ok=True)
    handles = [(directory / name).open("w", encoding="utf-8") for name in FILES]
    counts = dict.fromkeys(FILES, 0)
    try:
        for record in world(scale, seed):
            kind = record.get("entity")
            slot = 0 if kind == "Source" else 1 if kind else 2
            handles[slot].write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[FILES[slot]] += 1
    finally:
        for fh in handles:
            fh.close()
    return counts
