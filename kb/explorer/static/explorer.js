// The explorer's entry point: the search box with suggestions, and the hash router.
import { get } from "./api.js";
import { h, problemBox, show } from "./dom.js";
import { betweenView, coverageView, gapsView } from "./analysis.js";
import { entityView, knownKinds } from "./entity.js";
import { mapView } from "./map.js";

const input = document.getElementById("search");
const box = document.getElementById("suggestions");
let hits = [];
let active = -1;
let pending = 0; // answers to older keystrokes are dropped

function closeSuggestions() {
  box.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function open(hit) {
  closeSuggestions();
  input.value = hit.name;
  knownKinds.set(hit.id, hit.entity);
  window.location.hash = `#/entity/${encodeURIComponent(hit.id)}`;
}

function highlight(index) {
  active = index;
  [...box.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
  if (index >= 0) input.setAttribute("aria-activedescendant", `hit-${index}`);
}

async function suggest() {
  const q = input.value.trim();
  const ticket = ++pending;
  if (!q) { closeSuggestions(); return; }
  let items;
  try {
    ({ data: items } = await get("/search", { q, page_size: 8 }));
  } catch (err) {
    if (ticket !== pending) return;
    box.replaceChildren(h("li", { class: "problem" }, err.message));
    box.hidden = false;
    return;
  }
  if (ticket !== pending) return;
  hits = items;
  box.replaceChildren(...(hits.length ? hits.map((hit, i) => h("li", {
    id: `hit-${i}`, role: "option", "aria-selected": "false", "data-id": hit.id,
    onmousedown: (evt) => { evt.preventDefault(); open(hit); },
  }, h("span", { class: "swatch", "data-entity": hit.entity, "aria-hidden": "true" }),
  hit.name, h("small", {}, ` ${hit.entity}${hit.kind ? ` · ${hit.kind}` : ""}`)))
    : [h("li", { class: "none" }, `Nothing named “${q}”.`)]));
  box.hidden = false;
  input.setAttribute("aria-expanded", "true");
  active = -1;
}

let timer = 0;
input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 150); });
input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
input.addEventListener("keydown", (evt) => {
  if (box.hidden || !hits.length) return;
  if (evt.key === "ArrowDown") { evt.preventDefault(); highlight((active + 1) % hits.length); }
  else if (evt.key === "ArrowUp") {
    evt.preventDefault();
    highlight((active - 1 + hits.length) % hits.length);
  } else if (evt.key === "Escape") closeSuggestions();
});
document.getElementById("search-form").addEventListener("submit", (evt) => {
  evt.preventDefault();
  if (hits.length) open(hits[Math.max(active, 0)]);
});

function home() {
  show(h("h2", {}, "Explore the knowledge base"),
    h("p", {}, "Type a name or alias in the search box above (try “Golan” or “hotline”), "
      + "pick a suggestion to open its page with its relations, sources and a graph of its "
      + "neighbourhood. Or ask which mechanisms exist ",
    h("a", { href: "#/between?a=IDF&b=Russia&as_of=2016-06-01" }, "between the IDF and Russia"),
    ", look at the ", h("a", { href: "#/coverage" }, "coverage matrix"), ", the ",
    h("a", { href: "#/gaps" }, "gaps"), " or the ", h("a", { href: "#/map" }, "map"), "."));
}

const ROUTES = [
  [/^\/entity\/([^?]+)$/, (m) => entityView(decodeURIComponent(m[1]))],
  [/^\/between$/, (m, q) => betweenView(q)],
  [/^\/coverage$/, (m, q) => coverageView(q)],
  [/^\/gaps$/, (m, q) => gapsView(q)],
  [/^\/map$/, () => mapView()],
  [/^\/?$/, () => home()],
];

/** Show the view the location's hash names (#/entity/ID, #/between?a=..&b=.., ...). */
async function route() {
  const [path, query = ""] = window.location.hash.replace(/^#/, "").split("?", 2);
  document.title = "Deconfliction KB explorer";
  for (const [pattern, view] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      // tests and scripts wait for data-ready="true" with the view's name in data-view
      document.body.dataset.view = path.split("/")[1] || "home";
      document.body.dataset.ready = "false";
      try {
        await view(match, new URLSearchParams(query));
      } catch (err) {
        show(problemBox(err));
      }
      document.body.dataset.ready = "true";
      return;
    }
  }
  show(h("h2", {}, "Not found"), h("p", {}, `No view “${path}”. `, h("a", { href: "#/" }, "Home")));
}

window.addEventListener("hashchange", () => { route(); document.getElementById("main").focus(); });
route();
