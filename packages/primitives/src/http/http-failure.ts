import { KiwiError, type KiwiErrorCode } from "@kiwi/spec";

export function httpFailure(
  code: KiwiErrorCode,
  message: string,
  options: { retryable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
): KiwiError {
  return new KiwiError({
    code,
    message,
    retryable: options.retryable ?? false,
    context: options.context ?? {},
    cause: options.cause,
  });
}

/** The first `code` found along an error's `cause` chain (undici nests the socket error). */
function causeCode(error: unknown): { code: string; message: string } {
  let e = error as { code?: unknown; cause?: unknown; message?: unknown } | undefined;
  let message = typeof e?.message === "string" ? e.message : String(error);
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.message === "string" && e.message && e.message !== "fetch failed") message = e.message;
    if (typeof e.code === "string") return { code: e.code, message };
    e = e.cause as typeof e;
  }
  return { code: "", message };
}

/**
 * Maps a fetch or body-read failure to CONNECTION_FAILED (nothing reached the server: refused, DNS,
 * unreachable), CONNECTION_RESET (the connection broke after it was open), TIMEOUT (undici's own
 * timeouts, the Node transport's connect timeout, the system's ETIMEDOUT) or TLS_ERROR (certificate problems, not worth retrying).
 */
export function classifyNetworkError(error: unknown, origin: string): KiwiError {
  const { code, message } = causeCode(error);
  const context = { origin, cause_code: code || undefined };
  if (/^(UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT|ECONNECT_TIMEOUT|ETIMEDOUT)$/.test(code)) {
    return httpFailure("TIMEOUT", `request to ${origin} timed out (${message})`, {
      retryable: true,
      context,
    });
  }
  if (/CERT|TLS|SSL/.test(code)) {
    return httpFailure("TLS_ERROR", `TLS failure talking to ${origin}: ${message}`, { context });
  }
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/.test(code)) {
    return httpFailure("CONNECTION_FAILED", `cannot connect to ${origin}: ${message}`, {
      retryable: true,
      context,
    });
  }
  return httpFailure("CONNECTION_RESET", `connection to ${origin} broke: ${message}`, {
    retryable: true,
    context,
  });
}
