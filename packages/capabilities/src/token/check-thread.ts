import type { CapabilityClaims } from "./capability-claims";
import { tokenRejected } from "./token-rejected";

/**
 * The caller's thread id comes from the harness connection, never from the token or model output; a
 * token only works for the thread it was minted for (T16).
 */
export function checkThread(claims: CapabilityClaims, threadId: string | undefined): CapabilityClaims {
  if (threadId !== undefined && claims.thread_id !== threadId) throw tokenRejected("thread_mismatch");
  return claims;
}
