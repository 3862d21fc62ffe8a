// Places on an equirectangular SVG (longitude -> x, latitude -> y): no tiles, no network.
import { collections, get } from "./api.js";
import { h, problemBox, show } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Render #/map. */
export async function mapView() {
  const main = show(h("h2", {}, "Places"), h("p", {}, "Loading…"));
  try {
    const { data } = await get(`/${collections.Place}`, { page_size: 500 });
    const located = data.filter((p) => Number.isFinite(p.latitude)
      && Number.isFinite(p.longitude));
    const grid = [];
    for (let lon = -180; lon <= 180; lon += 30) {
      grid.push(svg("line", { x1: lon, y1: -90, x2: lon, y2: 90, class: "grid" }));
    }
    for (let lat = -90; lat <= 90; lat += 30) {
      grid.push(svg("line", { x1: -180, y1: -lat, x2: 180, y2: -lat, class: "grid" }));
    }
    const points = located.map((p) => {
      const link = svg("a", { href: `#/entity/${encodeURIComponent(p.id)}` },
        svg("circle", { cx: p.longitude, cy: -p.latitude, r: 1.5, class: "place",
          "data-id": p.id }),
        svg("title", {}, `${p.name} (${p.latitude}, ${p.longitude})`));
      return link;
    });
    const summary = h("p", { role: "status" }, located.length
      ? `${located.length} of ${data.length} places have coordinates (latitude/longitude); `
        + "only those are drawn. Lines every 30°."
      : `None of the ${data.length} places has coordinates (latitude/longitude) yet, `
        + "so there is nothing to draw.");
    if (!located.length) {
      main.replaceChildren(h("h2", {}, "Places"), summary);
      return;
    }
    const map = svg("svg", { viewBox: "-180 -90 360 180", class: "map", role: "img",
      "aria-label": `${located.length} places by latitude and longitude` }, ...grid, ...points);
    main.replaceChildren(h("h2", {}, "Places"), summary, map);
  } catch (err) {
    main.replaceChildren(h("h2", {}, "Places"), problemBox(err));
  }
}
