import { KiwiError, type KnownErrorCode } from "@kiwi/spec";

/** Small pieces of the SSE parser's line handling. */
export const LF = 10;
export const COLON = 58;
const SPACE = 32;

/*
 * `data:` / `event:` at `i`, compared char by char (startsWith is slower here). A shorter line stops the
 * comparison at its own CR or LF (or past the end of a joined line), which matches none of these.
 */
export function isDataField(s: string, i: number): boolean {
  return (
    s.charCodeAt(i + 1) === 97 &&
    s.charCodeAt(i + 2) === 116 &&
    s.charCodeAt(i + 3) === 97 &&
    s.charCodeAt(i + 4) === COLON
  );
}

export function isEventField(s: string, i: number): boolean {
  return (
    s.charCodeAt(i + 1) === 118 &&
    s.charCodeAt(i + 2) === 101 &&
    s.charCodeAt(i + 3) === 110 &&
    s.charCodeAt(i + 4) === 116 &&
    s.charCodeAt(i + 5) === COLON
  );
}

/** The value after a field's colon, without the one optional leading space. */
export function fieldValue(s: string, from: number, end: number): string {
  return s.slice(from < end && s.charCodeAt(from) === SPACE ? from + 1 : from, end);
}

export function tooBig(code: KnownErrorCode, what: string, limit: number, option: string): KiwiError {
  return new KiwiError({
    code,
    message: `SSE ${what} is longer than ${limit} bytes: raise stream.${option} if the server legitimately sends more`,
    context: { limit_bytes: limit },
  });
}
