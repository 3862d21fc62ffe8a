"""The explorer page (/explorer), driven in real headless Chromium (Debian's package).

The app runs over the seeded test Neo4j in a background thread; Playwright drives Debian's
`chromium` (Playwright's own browser download is not used: `make browser` installs chromium).
Each step saves a screenshot under test-artifacts/explorer/ for a person to look at.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from kb.settings import PROJECT_ROOT
from tests.conftest import KB, free_port

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "explorer"
SEED_MECHANISM = "il-ru-syria-deconfliction"
SEED_DOMAINS = {"aerial", "naval", "electro-magnetic"}
TIMEOUT_MS = 30_000
PLACES = [
    {"id": "amman", "name": "Amman", "entity": "Place", "kind": "city",
     "latitude": 31.95, "longitude": 35.93},
    {"id": "hmeimim", "name": "Hmeimim air base", "entity": "Place", "kind": "base",
     "latitude": 35.41, "longitude": 35.95},
    {"id": "syria-theatre", "name": "Syria (theatre)", "entity": "Place", "kind": "theatre"},
]


@pytest.fixture(scope="module")
def live_url(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free port, in a background thread."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_explorer_page_is_served_with_a_same_origin_only_policy(anonymous: FlaskClient) -> None:
    r = anonymous.get("/explorer")
    assert r.status_code == 200, r.data
    assert r.content_type.startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    assert 'role="combobox"' in html and "/explorer/static/explorer.js" in html
    assert "graph library is missing" not in html, "run `make setup` (copies cytoscape)"
    # browsers refuse ES modules served with another MIME type
    lib = anonymous.get("/explorer/static/vendor/cytoscape.esm.min.js")
    assert lib.status_code == 200
    assert lib.mimetype in ("text/javascript", "application/javascript")
    assert anonymous.get("/explorer/").status_code == 308


def _wait_view(page: Any, view: str) -> None:
    page.wait_for_selector(f'body[data-view="{view}"][data-ready="true"]', timeout=TIMEOUT_MS)


def test_explorer_in_chromium(live_url: str, seeded_kb: KB) -> None:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run `make browser` "
                    "(apt-get install chromium)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    console_errors: list[str] = []
    failed: list[str] = []
    requested: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: requested.append(r.url))
        page.on("response", lambda r: r.status >= 400 and failed.append(r.url))

        def snap(name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

        try:
            page.goto(f"{live_url}/explorer")
            _wait_view(page, "home")
            snap("01-home")

            # search "Golan", pick the suggestion, land on Yair Golan's page
            page.get_by_role("combobox", name="Search entities").fill("Golan")
            option = page.locator('#suggestions [role="option"][data-id="yair-golan"]')
            expect(option).to_be_visible()
            expect(option).to_contain_text("Person")
            snap("02-suggestions")
            # by keyboard: arrow down to the person, Enter opens it
            for _ in range(8):
                page.keyboard.press("ArrowDown")
                if option.get_attribute("aria-selected") == "true":
                    break
            expect(option).to_have_attribute("aria-selected", "true")
            page.keyboard.press("Enter")
            _wait_view(page, "entity")
            assert page.url.endswith("#/entity/yair-golan")
            expect(page.locator("#entity-name")).to_have_text("Yair Golan")
            expect(page.locator("table.relations")).to_contain_text("IDF General Staff")
            expect(page.locator("ul.sources li").first).to_be_visible()

            # the graph is drawn by Cytoscape on canvases
            assert page.locator("#graph canvas").count() >= 1
            nodes = page.evaluate("window.kbExplorer.cy.nodes().length")
            assert nodes > 1, nodes
            expect(page.locator("ul.sources")).to_contain_text("Business Standard")
            snap("03-entity-graph")

            # clicking a node expands it: its neighbourhood is merged in
            page.locator("#graph").scroll_into_view_if_needed()
            pos = page.evaluate("""() => {
                const n = window.kbExplorer.cy.getElementById('ISR');
                const box = document.querySelector('#graph').getBoundingClientRect();
                const p = n.renderedPosition();
                return {x: box.left + p.x, y: box.top + p.y};
            }""")
            page.mouse.click(pos["x"], pos["y"])
            # a function, not a string: the page's CSP forbids eval
            page.wait_for_function(
                "(n) => window.kbExplorer.cy.nodes().length > n", arg=nodes)
            assert page.evaluate("window.kbExplorer.cy.getElementById('ISR').hasClass('expanded')")
            snap("04-graph-expanded")

            # mechanisms between the IDF and Russia, as of 2016-06-01
            page.get_by_role("link", name="Between A and B").click()
            _wait_view(page, "between")
            page.get_by_label("Actor A").fill("IDF")
            page.get_by_label("Actor B").fill("Russia")
            page.get_by_label("As of").fill("2016-06-01")
            page.get_by_role("button", name="Find mechanisms").click()
            page.wait_for_url("**#/between?a=IDF&b=Russia&as_of=2016-06-01")
            _wait_view(page, "between")
            card = page.locator(f'article.mechanism[data-id="{SEED_MECHANISM}"]')
            expect(card).to_be_visible()
            expect(card.locator("h3")).to_have_text(
                "Israel-Russia deconfliction mechanism over Syria")
            domains = card.locator("ul.domains li")
            assert {domains.nth(i).get_attribute("data-domain")
                    for i in range(domains.count())} == SEED_DOMAINS
            expect(card.locator(".status")).to_have_text("active since 2015-10-14")
            expect(card.locator("ul.domains")).to_contain_text("Naval")
            expect(card.locator("ul.match")).to_contain_text("Russian Federation via force")
            expect(card.locator("ul.match")).to_contain_text(
                "Armed Forces of the Russian Federation")
            expect(page.locator("ul.resolved")).to_contain_text("Russian Federation")
            snap("05-between")

            # a name that matches nothing shows the API's problem message, not a broken page
            page.goto(f"{live_url}/explorer#/between?a=IDF&b=Atlantis")
            _wait_view(page, "between")
            expect(page.locator("#between-results .problem")).to_contain_text(
                "nothing named 'Atlantis'")
            snap("06-between-problem")

            page.goto(f"{live_url}/explorer#/coverage?as_of=2016-06-01")
            _wait_view(page, "coverage")
            pair = page.locator('table.matrix td[data-a="ISR"][data-b="RUS"]')
            for domain in ("Aerial", "Naval", "Electro-magnetic"):
                expect(pair).to_contain_text(domain)
            snap("07-coverage")

            page.goto(f"{live_url}/explorer#/gaps")
            _wait_view(page, "gaps")
            gap = page.locator("ol.gaps > li").first
            expect(gap).to_contain_text("Syria (theatre of operations)")
            expect(gap.locator("h3")).to_contain_text("Aerial")
            snap("08-gaps")

            page.goto(f"{live_url}/explorer#/map")
            _wait_view(page, "map")
            # the seed places with coordinates (25 of 52) are drawn; the rest are counted
            located = seeded_kb.db.read("MATCH (p:Place) WHERE p.latitude IS NOT NULL "
                                        "AND p.longitude IS NOT NULL RETURN count(p) AS n")[0]["n"]
            assert located >= 25
            expect(page.get_by_role("status")).to_contain_text(f"{located} of 52 places")
            expect(page.locator("svg.map circle")).to_have_count(located)
            expect(page.locator('svg.map circle[data-id="hmeimim-air-base"]')).to_have_count(1)
            snap("09-map-seed")
            # the drawing itself, on an answer with coordinates (served by the test)
            page.route("**/api/v1/places?*", lambda route: route.fulfill(json=PLACES))
            page.goto(f"{live_url}/explorer#/")
            page.goto(f"{live_url}/explorer#/map")
            expect(page.get_by_role("status")).to_contain_text("2 of 3 places")
            amman = page.locator('svg.map circle[data-id="amman"]')
            assert (amman.get_attribute("cx"), amman.get_attribute("cy")) == ("35.93", "-31.95")
            expect(page.locator("svg.map circle")).to_have_count(2)
            snap("10-map-points")
        except Exception:
            snap("failure")
            raise
        finally:
            browser.close()

    assert all(url.startswith(live_url) for url in requested), \
        [u for u in requested if not u.startswith(live_url)]
    assert [u for u in failed if "Atlantis" not in u] == []
    # a failed request logs "Failed to load resource" (checked above); anything else is a bug
    errors = [e for e in console_errors if not e.startswith("Failed to load resource")]
    assert not errors, errors
