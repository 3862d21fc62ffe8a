// The neighbourhood graph: /api/v1/graph drawn with Cytoscape.js (pinned in package.json,
// copied into ./vendor by `make setup`). Clicking a node merges its own neighbourhood in.
import cytoscape from "./vendor/cytoscape.esm.min.js";
import { get } from "./api.js";
import { entityLink, h, problemBox } from "./dom.js";

// One colour per entity kind (Okabe-Ito based, distinguishable with colour-blindness).
export const KIND_COLOURS = {
  State: "#0072B2", Force: "#D55E00", Person: "#CC79A7", Organization: "#009E73",
  Agreement: "#E69F00", Mechanism: "#B8232F", Domain: "#56B4E9", Event: "#8C6D1F",
  Operation: "#6A3D9A", Place: "#2E8B57", Source: "#7F7F7F",
};

const STYLE = [
  { selector: "node", style: {
    "background-color": (n) => KIND_COLOURS[n.data("entity")] || "#444",
    label: "data(short)", "font-size": 10, color: "#222", "text-wrap": "wrap",
    "text-max-width": 110, "text-valign": "bottom", "text-margin-y": 3, width: 22, height: 22,
  } },
  { selector: "node.center", style: { width: 34, height: 34, "border-width": 3,
    "border-color": "#000" } },
  { selector: "node.expanded", style: { "border-width": 2, "border-color": "#333",
    "border-style": "double" } },
  { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#000" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa", "target-arrow-color": "#9aa",
    "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)",
    "font-size": 7, color: "#555", "text-rotation": "autorotate" } },
];

function short(name) {
  return name.length > 40 ? `${name.slice(0, 38)}…` : name;
}

function elementsOf(answer) {
  const nodes = answer.nodes.map((n) => ({ group: "nodes",
    data: { id: n.id, name: n.name, entity: n.entity, short: short(n.name) } }));
  const edges = answer.edges.map((e) => ({ group: "edges",
    data: { id: e.id, source: e.source, target: e.target, label: e.type } }));
  return [...nodes, ...edges];
}

/** Draw the neighbourhood of `center` into `container` (an element holding the canvas),
 *  with `status` (an aria-live element) telling what happened and `list` an accessible
 *  list of the nodes. Returns the Cytoscape instance (also at window.kbExplorer.cy). */
export async function drawGraph({ center, asOf, container, status, list }) {
  const { data } = await get("/graph", { center, depth: 1, as_of: asOf });
  const cy = cytoscape({ container, elements: elementsOf(data), style: STYLE,
    wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });
  cy.getElementById(data.center).addClass("center expanded");
  const layout = () => cy.layout({ name: "cose", animate: false, randomize: false,
    nodeRepulsion: () => 9000, idealEdgeLength: () => 90 }).run();
  layout();
  window.kbExplorer = { ...(window.kbExplorer || {}), cy };

  async function expand(id) {
    const node = cy.getElementById(id);
    if (node.hasClass("expanded")) return;
    status.textContent = `Expanding ${node.data("name")}…`;
    try {
      const { data: more } = await get("/graph", { center: id, depth: 1, as_of: asOf });
      const fresh = elementsOf(more).filter((el) => cy.getElementById(el.data.id).empty());
      cy.add(fresh);
      node.addClass("expanded");
      layout();
      status.textContent = `${node.data("name")}: ${fresh.length} new elements; `
        + `${cy.nodes().length} nodes, ${cy.edges().length} edges.`;
      renderList();
    } catch (err) {
      status.replaceChildren(problemBox(err));
    }
  }

  function renderList() {
    const items = cy.nodes().sort((a, b) => a.data("name").localeCompare(b.data("name")));
    list.replaceChildren(...items.map((n) => h("li", {},
      h("span", { class: "swatch", "data-entity": n.data("entity"), "aria-hidden": "true" }),
      entityLink({ id: n.id(), name: n.data("name"), entity: n.data("entity") }),
      ` (${n.data("entity")}) `,
      n.hasClass("expanded") ? "" : h("button", { type: "button",
        onclick: () => expand(n.id()) }, "Expand"))));
  }

  cy.on("tap", "node", (evt) => expand(evt.target.id()));
  cy.on("dbltap", "node", (evt) => {
    window.location.hash = `#/entity/${encodeURIComponent(evt.target.id())}`;
  });
  status.textContent = `${cy.nodes().length} nodes, ${cy.edges().length} edges`
    + `${data.truncated ? " (truncated by the API)" : ""}, as of ${data.as_of}. `
    + "Click a node to expand it, double-click to open it.";
  renderList();
  return cy;
}

/** A legend of the kind colours. */
export function legend() {
  return h("ul", { class: "legend", "aria-label": "Colours by kind" },
    Object.keys(KIND_COLOURS).map((kind) => h("li", {},
      h("span", { class: "swatch", "data-entity": kind, "aria-hidden": "true" }), kind)));
}
