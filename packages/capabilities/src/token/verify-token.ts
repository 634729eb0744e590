import type { CapabilityClaims } from "./capability-claims";
import { checkThread } from "./check-thread";
import { screenToken } from "./screen-token";
import { verifyScreened } from "./verify-screened";
import { resolveVerifySettings, type VerifierOptions } from "./verify-settings";

export interface VerifyTokenOptions extends VerifierOptions {
  /** When given, the token's `thread_id` must equal it (else reason thread_mismatch). */
  threadId?: string;
}

/**
 * Verifies a capability token once, with no cache. Every failure is a KiwiError TOKEN_INVALID (or
 * TOKEN_EXPIRED) with `context.reason`; messages never echo the token or its caps. Bad options or key
 * material throw INVALID_INPUT / KEY_ERROR instead. Tools that verify often use `TokenVerifier`.
 */
export async function verifyToken(raw: unknown, options: VerifyTokenOptions): Promise<CapabilityClaims> {
  const settings = resolveVerifySettings(options);
  const token = screenToken(raw, settings.maxTokenBytes);
  return checkThread(await verifyScreened(token, settings), options.threadId);
}
