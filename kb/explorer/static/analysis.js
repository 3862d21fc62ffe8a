// Analyst views: mechanisms between two actors, the coverage matrix, the gaps list.
import { get, resolved } from "./api.js";
import { entityLink, h, problemBox, show } from "./dom.js";
import { knownKinds } from "./entity.js";

let domainNames = null; // a promise of id -> name, from /domains (asked once)

function domainMap() {
  // the promise itself is cached, so views rendered at once share one request
  domainNames ||= get("/domains", { page_size: 500 })
    .then(({ data }) => new Map(data.map((d) => [d.id, d.name])), () => new Map());
  return domainNames;
}

async function domainName(id) {
  return (await domainMap()).get(id) || id;
}

function plural(n, word) {
  return `${n} ${word}${Number(n) === 1 ? "" : "s"}`;
}

function field(label, name, value, extra = {}) {
  const id = `f-${name}`;
  return h("p", { class: "field" }, h("label", { for: id }, label),
    h("input", { id, name, value: value || "", ...extra }));
}

function statusText(s) {
  if (!s || !s.status) return "status unknown on that date";
  return `${s.status}${s.since ? ` since ${s.since}` : ""}`;
}

function sourceLinks(ids) {
  return h("ul", { class: "inline" }, (ids || []).map((id) =>
    h("li", {}, entityLink({ id, name: id, entity: "Source" }))));
}

async function mechanismCard(m, actorNames) {
  knownKinds.set(m.id, m.entity);
  const domains = await Promise.all((m.domains || []).map(async (d) =>
    h("li", { "data-domain": d.id }, await domainName(d.id))));
  return h("article", { class: "mechanism", "data-id": m.id },
    h("h3", {}, entityLink(m)),
    h("p", {}, `${m.kind || "mechanism"} — `, h("strong", { class: "status" },
      statusText(m.status_as_of)), ` (as of ${m.as_of})`),
    h("h4", {}, "Domains"), h("ul", { class: "domains" }, domains),
    h("h4", {}, "Why it matches"),
    h("ul", { class: "match" }, (m.match?.actors || []).map((a) => h("li", {},
      `${actorNames.get(a.actor) || a.actor} `, h("em", {}, a.how.replaceAll("_", " ")), " → ",
      entityLink({ id: a.party, name: a.party_name }), a.role ? ` (${a.role})` : ""))),
    h("h4", {}, "Sources"), sourceLinks(m.sources));
}

/** Render #/between?a=..&b=..&as_of=.. : the form and, if both names are given, the answer. */
export async function betweenView(params) {
  const [a, b, asOf] = [params.get("a"), params.get("b"), params.get("as_of")];
  const results = h("div", { id: "between-results" });
  const form = h("form", { class: "between", onsubmit: (evt) => {
    evt.preventDefault();
    const q = new URLSearchParams(new FormData(evt.target));
    window.location.hash = `#/between?${q}`;
  } }, h("h2", {}, "Mechanisms between two actors"),
    field("Actor A", "a", a, { required: true, placeholder: "e.g. IDF" }),
    field("Actor B", "b", b, { required: true, placeholder: "e.g. Russia" }),
    field("As of (YYYY, YYYY-MM or YYYY-MM-DD; empty: today)", "as_of", asOf,
      { pattern: "\\d{4}(-\\d{2}(-\\d{2})?)?", inputmode: "numeric" }),
    h("button", { type: "submit" }, "Find mechanisms"));
  show(form, results);
  if (!a || !b) return;
  results.replaceChildren(h("p", {}, "Asking the API…"));
  try {
    const { data, headers } = await get("/mechanisms",
      { between: [a, b], as_of: asOf, page_size: 50 });
    const names = resolved(headers).map((r) => h("li", {}, `“${r.given}” is `,
      entityLink(r), ` (${r.entity})`));
    const total = headers.get("X-Total-Count") || data.length;
    const actorNames = new Map(resolved(headers).map((r) => [r.id, r.name]));
    const cards = await Promise.all(data.map((m) => mechanismCard(m, actorNames)));
    results.replaceChildren(h("ul", { class: "resolved" }, names),
      h("p", { role: "status" }, plural(total, "mechanism"),
        data.length < total ? ` (the first ${data.length} shown)` : "", "."), ...cards);
  } catch (err) {
    results.replaceChildren(problemBox(err));
  }
}

function coverageForm(params) {
  const level = params.get("level") || "state";
  return h("form", { class: "between", onsubmit: (evt) => {
    evt.preventDefault();
    const q = new URLSearchParams([...new FormData(evt.target)].filter(([, v]) => v));
    window.location.hash = `#/coverage?${q}`;
  } }, h("h2", {}, "Coverage matrix"),
    field("As of (empty: today)", "as_of", params.get("as_of"),
      { pattern: "\\d{4}(-\\d{2}(-\\d{2})?)?", inputmode: "numeric" }),
    h("p", { class: "field" }, h("label", { for: "f-level" }, "Actors"),
      h("select", { id: "f-level", name: "level" }, [["state", "States"], ["force", "Forces"]]
        .map(([v, label]) => h("option", { value: v, selected: v === level }, label)))),
    h("button", { type: "submit" }, "Show"));
}

/** Render #/coverage: actors × actors, each cell listing the domains some mechanism covers. */
export async function coverageView(params) {
  const body = h("div", {}, h("p", {}, "Loading…"));
  show(coverageForm(params), body);
  try {
    const { data } = await get("/stats/coverage", { as_of: params.get("as_of"),
      level: params.get("level") });
    const cells = new Map();
    for (const c of data.cells) {
      for (const key of [`${c.a}|${c.b}`, `${c.b}|${c.a}`]) {
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push(c);
      }
    }
    const names = new Map(data.domains.map((d) => [d.id, d.name]));
    const cell = (a, b) => h("td", { "data-a": a.id, "data-b": b.id },
      (cells.get(`${a.id}|${b.id}`) || []).map((c) => h("span", { class: "chip",
        title: c.mechanisms.map((m) => m.name).join("; ") }, names.get(c.domain) || c.domain)));
    body.replaceChildren(
      h("p", { role: "status" }, `As of ${data.as_of}, ${data.actors.length} ${data.level === "force"
        ? "forces" : "states"}: the domains that some active mechanism covers between each `
        + "pair (hover a domain for its mechanisms; an empty cell is a gap)."),
      h("div", { class: "scroll" }, h("table", { class: "matrix" },
        h("thead", {}, h("tr", {}, h("td"), data.actors.map((a) =>
          h("th", { scope: "col" }, entityLink(a))))),
        h("tbody", {}, data.actors.map((a) => h("tr", {}, h("th", { scope: "row" },
          entityLink(a)), data.actors.map((b) => (a.id === b.id
          ? h("td", { class: "self" }) : cell(a, b)))))))));
  } catch (err) {
    body.replaceChildren(problemBox(err));
  }
}

/** Render #/gaps: theatres and domains where actors operate with no active mechanism. */
export async function gapsView(params) {
  const main = show(h("h2", {}, "Gaps"), h("p", {}, "Loading…"));
  try {
    const { data, headers } = await get("/gaps", { as_of: params.get("as_of"),
      level: params.get("level"), page_size: 100 });
    const domains = await domainMap();
    main.replaceChildren(h("h2", {}, "Gaps"),
      h("p", {}, `${plural(headers.get("X-Total-Count") || data.length, "gap")}: places and domains `
        + "where these actors operate with no active mechanism between them covering it."),
      h("ol", { class: "gaps" }, data.map((g) => h("li", {},
        h("h3", {}, entityLink(g.theatre),
          ` — ${domains.get(g.domain) || g.domain} (${g.level} level)`),
        h("ul", {}, g.states.map((s) => h("li", {}, entityLink(s), ": ",
          s.forces.map((f, i) => [i ? ", " : "", entityLink(f), " in ",
            f.evidence.map((e, j) => [j ? ", " : "",
              entityLink({ id: e.operation, name: e.name, entity: "Operation" })])])))),
        g.mechanisms_missing_domain_or_inactive.length ? h("p", {},
          "Mechanisms there that lack the domain or are not active: ",
          g.mechanisms_missing_domain_or_inactive.map((m, i) => [i ? "; " : "", entityLink(m),
            ` (${m.status_as_of?.status || "status unknown"}; ${m.domains.join(", ")})`])) : ""))));
  } catch (err) {
    main.replaceChildren(h("h2", {}, "Gaps"), problemBox(err));
  }
}
