import { createHash } from "node:crypto";

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

/** A short, stable tag of a remote name: the first 8 hex digits of its SHA-256. */
function nameTag(remote: string): string {
  return createHash("sha256").update(remote, "utf8").digest("hex").slice(0, 8);
}

/** The ids of one server's tools, and the remote names that could not get one of their own. */
export interface ToolIds {
  /** Remote name → generated id. */
  readonly ids: Map<string, string>;
  /** Remote names whose id another listed name also maps to (reported, never generated). */
  readonly collisions: Map<string, string>;
}

/**
 * Derives each remote tool's id from the server's prefix and its own name only, never from its position
 * in the list (a server that reorders its tools must not swap their ids). A name that sanitises to itself
 * (`get_env`) keeps the plain id; names that sanitise to the same id as another (`Get Env`, `get-env`) get
 * a tag of their own name (`get_env_3fa2c1d0`). Ids two names still share — a remote name written as
 * another's tagged id — are collisions: reported, and neither is generated.
 */
export function uniqueIds(names: readonly string[], prefix: string): ToolIds {
  const bases = new Map<string, string[]>();
  for (const name of new Set(names)) {
    const base = sanitizeToolName(name, prefix);
    bases.set(base, [...(bases.get(base) ?? []), name]);
  }
  const candidates = new Map<string, string>();
  for (const [base, group] of bases) {
    for (const name of group) {
      const plain = group.length === 1 || `${prefix}${name}` === base;
      candidates.set(name, plain ? base : `${base.slice(0, MAX_ID - 9).replace(/_+$/, "")}_${nameTag(name)}`);
    }
  }
  const holders = new Map<string, string[]>();
  for (const [name, id] of candidates) holders.set(id, [...(holders.get(id) ?? []), name]);
  const ids = new Map<string, string>();
  const collisions = new Map<string, string>();
  for (const [name, id] of candidates) {
    if ((holders.get(id) ?? []).length > 1) collisions.set(name, id);
    else ids.set(name, id);
  }
  return { ids, collisions };
}
