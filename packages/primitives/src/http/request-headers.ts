import { KiwiError } from "@kiwi/spec";
import { invalidInput, isRecord, readSection, readString } from "./config-values";
import type { HttpAuth } from "./http-types";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_HEADER_VALUE = 16 * 1024;

/**
 * A header value must be one line of RFC 9110 field-value text: tab, space, visible ASCII or Latin-1.
 * CR, LF and NUL (header injection) and other controls are refused before anything is sent; the message
 * never repeats the value, which may be a secret.
 */
export function checkHeaderValue(name: string, value: string, field: string, unicode = false): string {
  let bad = value.length > MAX_HEADER_VALUE;
  for (let i = 0; i < value.length && !bad; i++) {
    const c = value.charCodeAt(i);
    bad = (c < 0x20 && c !== 0x09) || c === 0x7f || (c > 0xff && !unicode);
  }
  if (bad) {
    throw new KiwiError({
      code: "TEMPLATE_ENCODING",
      message: `http_client config.${field}: the value of header '${name}' contains CR, LF, NUL, another control or non-Latin-1 character, or is over ${MAX_HEADER_VALUE} bytes; a header value must be one line of text (check the parameter templated into it)`,
      context: { field: `config.${field}`, header: name },
    });
  }
  return value;
}

/**
 * Framing and connection headers the transport sets itself. A templated `transfer-encoding` next to the
 * computed content-length would frame the request two ways (smuggling); fetch refused most of them too,
 * as a network error after the call started.
 */
const TRANSPORT_HEADERS = new Set([
  "transfer-encoding",
  "content-length",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
]);

function checkName(name: string, field: string): string {
  if (!TOKEN.test(name)) throw invalidInput(field, `'${name.slice(0, 40)}' is not a valid header name`);
  const lower = name.toLowerCase();
  if (TRANSPORT_HEADERS.has(lower))
    throw invalidInput(
      field,
      `'${lower}' is set by http_client itself (framing and connection headers cannot be configured)`,
    );
  return lower;
}

function headerText(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalidInput(field, "a header value must be a string");
}

export function parseAuth(value: unknown): HttpAuth | undefined {
  const auth = readSection(value, "auth", ["type", "token", "name", "value", "username", "password"]);
  if (!auth) return undefined;
  const type = auth.type;
  if (type === "bearer") return { type, token: readString(auth.token, "auth.token") };
  if (type === "header") {
    return { type, name: readString(auth.name, "auth.name"), value: readString(auth.value, "auth.value") };
  }
  if (type === "basic") {
    const username = readString(auth.username, "auth.username");
    if (username.includes(":")) throw invalidInput("auth.username", "must not contain ':' (RFC 7617)");
    return { type, username, password: readString(auth.password ?? "", "auth.password") };
  }
  throw invalidInput("auth.type", "must be bearer, header or basic");
}

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Validated, lower-cased request headers with `auth` applied last (it wins over a same-named header). */
export function buildHeaders(value: unknown, auth: HttpAuth | undefined): Record<string, string> {
  if (value !== undefined && value !== null && !isRecord(value))
    throw invalidInput("headers", "must be a mapping");
  const out: Record<string, string> = {};
  for (const [rawName, raw] of Object.entries(value ?? {})) {
    if (raw === null || raw === undefined) continue; // null unsets a header a parent tool set
    const name = checkName(rawName, `headers.${rawName}`);
    out[name] = checkHeaderValue(name, headerText(raw, `headers.${rawName}`), `headers.${rawName}`);
  }
  if (auth?.type === "bearer") {
    out.authorization = `Bearer ${checkHeaderValue("authorization", auth.token, "auth.token")}`;
  } else if (auth?.type === "header") {
    const name = checkName(auth.name, "auth.name");
    out[name] = checkHeaderValue(name, auth.value, "auth.value");
  } else if (auth?.type === "basic") {
    // Base64 carries any UTF-8 text; only controls are refused.
    checkHeaderValue("authorization", auth.username, "auth.username", true);
    checkHeaderValue("authorization", auth.password, "auth.password", true);
    out.authorization = `Basic ${base64Utf8(`${auth.username}:${auth.password}`)}`;
  }
  return out;
}
