import { KiwiError } from "@kiwi/spec";

/**
 * A pin on one response of an rpc sequence: the element of `result[list]` whose `key` equals `value` must
 * hash (SHA-256 of the canonical JSON of `fields`, each absent field taking its default) to `sha256`, or
 * the sequence stops there with `code` and nothing after that step is sent. The MCP connector pins a
 * remote tool's definition this way: `tools/list` runs before `tools/call`, and a changed tool is never
 * called.
 */
export interface RpcPin {
  readonly list: string;
  readonly key: string;
  readonly value: string;
  /** The fields hashed, each with the value it takes when the element lacks it. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly sha256: string;
  /** The error code of a mismatch (default JSONRPC_ERROR). */
  readonly code: string;
  /** What to tell the caller on a mismatch. */
  readonly message: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const UNSAFE = new Set(["__proto__", "constructor", "prototype"]);

function invalid(field: string, problem: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `rpc ${field} ${problem}`,
    context: { field },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `pin: {list, key, value, fields, sha256, code?, message?}` of one rpc step. */
export function readRpcPin(field: string, value: unknown): RpcPin {
  if (!isRecord(value)) throw invalid(field, "must be an object {list, key, value, fields, sha256}");
  const known = ["list", "key", "value", "fields", "sha256", "code", "message"];
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length) throw invalid(field, `has unknown field(s) ${unknown.join(", ")}`);
  for (const name of ["list", "key"] as const) {
    if (typeof value[name] !== "string" || !NAME.test(value[name]) || UNSAFE.has(value[name]))
      throw invalid(`${field}.${name}`, "must be a plain field name");
  }
  if (typeof value.value !== "string") throw invalid(`${field}.value`, "must be a string");
  if (!isRecord(value.fields) || Object.keys(value.fields).length === 0)
    throw invalid(`${field}.fields`, "must map each hashed field to its default");
  for (const name of Object.keys(value.fields)) {
    if (!NAME.test(name) || UNSAFE.has(name))
      throw invalid(`${field}.fields`, `has a bad field name ${name}`);
  }
  if (typeof value.sha256 !== "string" || !SHA256.test(value.sha256))
    throw invalid(`${field}.sha256`, "must be 64 lowercase hex digits");
  if (value.code !== undefined && (typeof value.code !== "string" || !CODE.test(value.code)))
    throw invalid(`${field}.code`, "must be an error code such as MCP_TOOLS_CHANGED");
  if (value.message !== undefined && typeof value.message !== "string")
    throw invalid(`${field}.message`, "must be a string");
  return {
    list: value.list as string,
    key: value.key as string,
    value: value.value,
    fields: value.fields,
    sha256: value.sha256,
    code: (value.code as string | undefined) ?? "JSONRPC_ERROR",
    message: (value.message as string | undefined) ?? "a pinned response changed",
  };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** SHA-256 (lowercase hex) of the canonical JSON (sorted keys) of `fields` read from `element`. */
export async function pinDigest(
  element: unknown,
  fields: Readonly<Record<string, unknown>>,
): Promise<string> {
  const source = isRecord(element) ? element : {};
  const picked = Object.fromEntries(
    Object.entries(fields).map(([name, fallback]) => [
      name,
      Object.hasOwn(source, name) ? (source[name] ?? fallback) : fallback,
    ]),
  );
  const bytes = new TextEncoder().encode(JSON.stringify(canonical(picked)));
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The failure of a pinned step (undefined when the pinned element is there and unchanged). */
export async function checkRpcPin(
  result: unknown,
  pin: RpcPin,
): Promise<{ code: string; message: string; retryable: false; [key: string]: unknown } | undefined> {
  const list = isRecord(result) && Object.hasOwn(result, pin.list) ? result[pin.list] : undefined;
  const matches = Array.isArray(list)
    ? list.filter((e) => isRecord(e) && Object.hasOwn(e, pin.key) && e[pin.key] === pin.value)
    : [];
  const found = matches.length === 1 ? await pinDigest(matches[0], pin.fields) : undefined;
  if (found === pin.sha256) return undefined;
  const reason = matches.length === 0 ? "missing" : matches.length > 1 ? "ambiguous" : "changed";
  return {
    code: pin.code,
    message: pin.message,
    reason,
    pinned_sha256: pin.sha256,
    ...(found ? { found_sha256: found } : {}),
    retryable: false,
  };
}
