import { KiwiError } from "@kiwi/spec";

/** Small pieces of the SSE parser's line handling. */
export const LF = 10;
export const COLON = 58;
const SPACE = 32;

export function isField(s: string, start: number, name: string): boolean {
  return s.charCodeAt(start + name.length) === COLON && s.startsWith(name, start);
}

/** The value after a field's colon, without the one optional leading space. */
export function fieldValue(s: string, from: number, end: number): string {
  return s.slice(from < end && s.charCodeAt(from) === SPACE ? from + 1 : from, end);
}

export function tooBig(code: string, what: string, limit: number, option: string): KiwiError {
  return new KiwiError({
    code,
    message: `SSE ${what} is longer than ${limit} bytes: raise stream.${option} if the server legitimately sends more`,
    context: { limit_bytes: limit },
  });
}
