// The entity page: its fields, relations and sources, and its neighbourhood graph.
import { collections, get } from "./api.js";
import { entityLink, h, period, problemBox, show } from "./dom.js";
import { drawGraph, legend } from "./graph.js";

// Kinds seen in answers so far (id -> kind): saves a look-up when a link is followed.
export const knownKinds = new Map();
const SHOWN = new Set(["id", "name", "entity", "aliases", "description", "sources", "relations",
  "version", "created_at", "updated_at", "status_history"]);
const MAX_SOURCES = 30;

/** The kind of entity `id`: from answers seen before, else from /graph's centre node. */
async function kindOf(id) {
  if (knownKinds.has(id)) return knownKinds.get(id);
  const { data } = await get("/graph", { center: id, depth: 1, limit: 1 });
  const node = data.nodes.find((n) => n.id === data.center) || data.nodes[0];
  knownKinds.set(id, node.entity);
  return node.entity;
}

function fieldRows(entity) {
  const rows = Object.entries(entity).filter(([k, v]) => !SHOWN.has(k) && v !== "");
  return rows.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k.replaceAll("_", " ")),
    h("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v))));
}

function relationsTable(relations) {
  if (!relations.length) return h("p", {}, "No relations recorded.");
  const sorted = [...relations].sort((a, b) => a.type.localeCompare(b.type)
    || a.other.name.localeCompare(b.other.name));
  for (const r of sorted) knownKinds.set(r.other.id, r.other.entity);
  return h("table", { class: "relations" },
    h("caption", {}, `${relations.length} relations`),
    h("thead", {}, h("tr", {}, ["Relation", "With", "Kind", "When", "Sources"].map((t) =>
      h("th", { scope: "col" }, t)))),
    h("tbody", {}, sorted.map((r) => h("tr", {},
      h("td", {}, r.direction === "out" ? `${r.type} →` : `← ${r.type}`,
        r.role ? ` (${r.role})` : "", r.how ? ` (${r.how})` : "", r.title ? ` ${r.title}` : ""),
      h("td", {}, entityLink(r.other)),
      h("td", {}, r.other.entity),
      h("td", {}, period(r.valid_from, r.valid_to)),
      h("td", {}, (r.sources || []).length)))));
}

async function sourcesList(ids) {
  const shown = ids.slice(0, MAX_SOURCES);
  const answers = await Promise.all(shown.map((id) =>
    get(`/${collections.Source}/${encodeURIComponent(id)}`).then((r) => r.data, () => null)));
  return h("ul", { class: "sources" }, shown.map((id, i) => {
    const src = answers[i];
    if (!src) return h("li", {}, id, " (not found)");
    knownKinds.set(src.id, "Source");
    return h("li", {}, entityLink(src), src.publisher ? ` — ${src.publisher}` : "",
      src.published_on ? `, ${src.published_on}` : "",
      src.url ? [" ", h("a", { href: src.url, rel: "noopener noreferrer external" },
        "original")] : "");
  }), ids.length > MAX_SOURCES ? h("li", {}, `… and ${ids.length - MAX_SOURCES} more`) : "");
}

/** Render #/entity/ID. */
export async function entityView(id) {
  const main = show(h("p", {}, `Loading ${id}…`));
  let entity;
  try {
    const kind = await kindOf(id);
    ({ data: entity } = await get(`/${collections[kind]}/${encodeURIComponent(id)}`));
  } catch (err) {
    main.replaceChildren(h("h2", {}, id), problemBox(err));
    return;
  }
  knownKinds.set(entity.id, entity.entity);
  document.title = `${entity.name} · Deconfliction KB explorer`;
  const status = h("p", { class: "graph-status", role: "status" }, "Drawing the graph…");
  const canvas = h("div", { id: "graph", class: "graph",
    "aria-label": `Graph of the neighbourhood of ${entity.name}`, role: "img" });
  const nodeList = h("ul", { class: "node-list" });
  const sources = h("div", {}, h("p", {}, "Loading sources…"));
  main.replaceChildren(
    h("article", { class: "entity" },
      h("p", { class: "kind", "data-entity": entity.entity }, entity.entity),
      h("h2", { id: "entity-name" }, entity.name),
      entity.aliases?.length ? h("p", { class: "aliases" }, "Also: ", entity.aliases.join("; ")) : "",
      entity.description ? h("p", {}, entity.description) : "",
      h("table", { class: "fields" }, h("tbody", {}, h("tr", {}, h("th", { scope: "row" }, "id"),
        h("td", {}, entity.id)), fieldRows(entity))),
      h("section", { "aria-labelledby": "h-graph" }, h("h3", { id: "h-graph" }, "Neighbourhood"),
        legend(), canvas, status,
        h("details", {}, h("summary", {}, "Nodes of the graph (keyboard access)"), nodeList)),
      h("section", { "aria-labelledby": "h-rel" }, h("h3", { id: "h-rel" }, "Relations"),
        relationsTable(entity.relations || [])),
      h("section", { "aria-labelledby": "h-src" }, h("h3", { id: "h-src" }, "Sources"), sources)));
  sourcesList(entity.sources || []).then((list) => sources.replaceChildren(list),
    (err) => sources.replaceChildren(problemBox(err)));
  try {
    await drawGraph({ center: entity.id, container: canvas, status, list: nodeList });
  } catch (err) {
    status.replaceChildren(problemBox(err));
  }
}
