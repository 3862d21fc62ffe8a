// A tiny element builder: text always goes in as text nodes, never as HTML.

/** h("a", {href: "#/x"}, "text", child...) -> Element; attrs starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A link to the explorer's entity page of `ref` ({id, name, entity}). */
export function entityLink(ref) {
  return h("a", { href: `#/entity/${encodeURIComponent(ref.id)}`, "data-entity": ref.entity },
    ref.name || ref.id);
}

/** A problem message box (role=alert so screen readers announce it). */
export function problemBox(error) {
  return h("p", { class: "problem", role: "alert" }, error.message || String(error));
}

/** Replace the main area's content and give it focus for keyboard and screen-reader users. */
export function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children);
  return main;
}

/** A date range "from – to" of a relation or post, or "". */
export function period(from, to) {
  if (!from && !to) return "";
  return `${from || "…"} – ${to || "…"}`;
}
