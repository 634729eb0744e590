/** Kiwi tool ids: lowercase snake case, starting with a letter (the tool schema's pattern). */
const MAX_ID = 64;

/**
 * Turns a remote tool's name (untrusted: `../../x`, `..`, `get-env`, `Über Tool`, 500 characters) into a
 * safe Kiwi tool id under a prefix. Anything outside [a-z0-9] becomes `_`, runs collapse, and the result
 * can never contain a path separator or dot, so it cannot address a file outside its folder.
 */
export function sanitizeToolName(remote: string, prefix: string): string {
  const cleaned = remote
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const base = `${prefix}${cleaned || "tool"}`.replace(/_+/g, "_");
  const id = /^[a-z]/.test(base) ? base : `t_${base}`;
  return id.slice(0, MAX_ID).replace(/_+$/, "");
}

/** Makes ids unique within one server: a second `get_env` becomes `get_env_2`, and so on. */
export function uniqueIds(names: readonly string[], prefix: string): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const name of names) {
    const base = sanitizeToolName(name, prefix);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base.slice(0, MAX_ID - String(n).length - 1)}_${n}`;
    used.add(id);
    out.set(name, id);
  }
  return out;
}
