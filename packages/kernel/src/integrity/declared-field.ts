/**
 * A top-level scalar of a tool's YAML read without the parser: the one line `<name>: <value>` at column
 * 0, the value plain, single- or double-quoted without escapes, an end-of-line comment allowed. For bytes
 * that are not verified yet: the module a signature must cover is known before the YAML parser sees them,
 * and an unverified file's claimed `tool_type` can route a diagnostic. Undefined when the field is absent,
 * written another way, or present more than once (the parser refuses duplicate keys anyway).
 */
export function declaredField(body: Uint8Array | string, name: "module" | "tool_type"): string | undefined {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const line = new RegExp(`^${name}:[ \\t]*(.*?)[ \\t]*(?:[ \\t]#.*)?\\r?$`, "gm");
  const found: string[] = [];
  for (const match of text.matchAll(line)) found.push(match[1] ?? "");
  if (found.length !== 1) return undefined;
  return scalar(found[0]!);
}

const PLAIN = /^[A-Za-z0-9._/-][^\s#'"]*$/;

function scalar(raw: string): string | undefined {
  if (raw.startsWith('"')) return /^"[^"\\]*"$/.test(raw) ? raw.slice(1, -1) : undefined;
  if (raw.startsWith("'")) return /^'[^']*'$/.test(raw) ? raw.slice(1, -1) : undefined;
  return PLAIN.test(raw) ? raw : undefined;
}
