// The explorer's only way to the data: GET requests to the public JSON API, same origin.
// Errors come back as RFC 9457 problem+json; ApiError keeps that document for the views.

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problemText(problem, status));
    this.status = status;
    this.problem = problem;
  }
}

/** The problem's detail and each `errors` entry (field: message, with suggestions). */
export function problemText(problem, status) {
  if (!problem || typeof problem !== "object") return `The API answered ${status}.`;
  const parts = [problem.detail || problem.title || `The API answered ${status}.`];
  for (const e of problem.errors || []) {
    let line = `${e.field}: ${e.message}`;
    const names = (e.suggestions || []).map((s) => s.name || s.id || s).filter(Boolean);
    if (names.length) line += ` (did you mean ${names.join(", ")}?)`;
    if (!parts.includes(line) && e.message !== parts[0]) parts.push(line);
  }
  return parts.join(" — ");
}

/** GET `path` (under /api/v1) with query params (arrays repeat the name): {data, headers}. */
export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of [].concat(value)) {
      if (v !== undefined && v !== null && v !== "") query.append(name, v);
    }
  }
  const url = `${API}${path}${query.size ? `?${query}` : ""}`;
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiError(0, { detail: `The API could not be reached (${err.message}).` });
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return { data: body, headers: response.headers };
}

/** What the names of the request resolved to (the X-Resolved header), or []. */
export function resolved(headers) {
  try {
    return JSON.parse(headers.get("X-Resolved") || "[]");
  } catch {
    return [];
  }
}

/** Every kind's collection path, handed over by the page (`Person` -> `persons`). */
export const collections = JSON.parse(document.getElementById("kb-collections").textContent);
