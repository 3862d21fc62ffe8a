"""Every endpoint, with filters and analyst parameters that stress it, timed on a running
server: the search for answers that grow with the store and that the bench's rows miss.

    .venv/bin/python tools/bench/sweep.py 8000 [--key KEY] [--urls FILE] [--over 200]

Each URL is asked three times on one kept-alive connection (once only when the first took
more than 3 s); prints the status, the first and the fastest time, the size, and marks the
URLs whose fastest time is over `--over` ms. The first time includes Neo4j's planning of
each new statement and, for /stats, /stats/coverage and /gaps, the work the memo then saves
(each of those URLs asks its own as_of). The ids are the seed's and those `kb synth` writes
at every scale (`syn-sau-af`, a state's armed forces; `syn-nam-mod`, a ministry). /changes
and /keys need an admin key (`kb keys create --role admin --name sweep`).
"""

from __future__ import annotations

import argparse
import http.client
import time
from pathlib import Path

URLS = """
/states?q=republic
/forces?kind=unit&page=50
/forces?part_of=syn-sau-af&match=hierarchy
/forces?state=SAU&sort=-name
/forces?format=csv&page_size=500
/persons?organization=syn-nam-mod&match=hierarchy
/persons?sort=-name&page=100
/organizations?state=RUS
/agreements?party=RUS
/agreements?between=RUS&between=USA
/agreements?domain=naval&as_of=2010
/agreements?signed_from=1990&signed_to=2000
/mechanisms?party=RUS&match=hierarchy
/mechanisms?between=ISR&between=RUS&as_of=2016
/mechanisms?between=RUS&between=USA&between=CHN&between=IND
/mechanisms?as_of=2015-10-20
/mechanisms?q=hotline
/events?from_date=2015&to_date=2016
/events?participant=syn-sau-af
/operations?theatre=syria-theatre
/operations?domain=aerial&from_date=2015
/places?located_in=SYR&match=hierarchy
/sources?kind=news_report&page=100
/relations?type=COVERS&page=100
/relations?as_of=2015-01-01
/relations?from=syn-sau-af
/relations?to=aerial
/dossier?between=ISR&between=RUS
/dossier?between=syn-sau-af&between=syn-atf-af
/paths?from=ISR&to=USA&max_hops=4
/paths?from=RUS&to=USA&max_hops=6
/graph?center=aerial
/graph?center=syn-sau-af&depth=3&limit=500
/graph?center=naval&depth=2&limit=500
/timeline?entity=RUS
/timeline?entity=syn-nam-mod
/search?q=army
/search?q=armed%20forces&entity_kind=Force
/gaps?as_of=2019
/gaps?level=force&theatre=syria-theatre&as_of=2018
/stats?as_of=2011
/stats?domain=aerial&as_of=2012
/stats/coverage?top=20&as_of=2013
/stats/coverage?level=force&top=20&as_of=2014
/domains/aerial
/states/RUS
/organizations/syn-nam-mod
/changes
/changes?page=1000
/changes?entity=syn-sau-af
/keys
"""


def main() -> None:
    """Time each URL and print one line per URL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("--key", help="an admin API key, for /changes and /keys")
    parser.add_argument("--urls", type=Path, help="a file of URLs (after /api/v1), one a line")
    parser.add_argument("--over", type=float, default=200, help="ms that mark a slow URL")
    args = parser.parse_args()
    text = args.urls.read_text() if args.urls else URLS
    urls = [u.strip() for u in text.splitlines() if u.strip() and not u.startswith("#")]
    headers = {"Accept-Encoding": "identity"}
    if args.key:
        headers["Authorization"] = f"Bearer {args.key}"
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=300)
    slow = 0
    for url in urls:
        times: list[float] = []
        for _ in range(3):
            start = time.perf_counter()
            conn.request("GET", "/api/v1" + url, headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            times.append((time.perf_counter() - start) * 1000)
            if times[0] > 3000:
                break
        mark = " <<<" if min(times) > args.over else ""
        slow += bool(mark)
        print(f"{answer.status} first {times[0]:8.1f} ms  fastest {min(times):8.1f} ms  "
              f"{len(body):8d} B  {url}{mark}", flush=True)
    print(f"{len(urls)} URLs, {slow} with their fastest time over {args.over:.0f} ms")


if __name__ == "__main__":
    main()
