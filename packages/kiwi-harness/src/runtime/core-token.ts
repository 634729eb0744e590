import { type Grant, mintToken, permissionsToGrants } from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import { loadDirective } from "./loaded-directive";

/** Lifetime of a core spawn token. */
const CORE_TOKEN_TTL_SECONDS = 60;
/** A core spawn token is handed out again only while it has at least this long to live. */
const CORE_TOKEN_REUSE_MARGIN_SECONDS = 30;

/** The core `thread_directive` directive's grants, checked to be the core item's. */
async function coreGrants(kernel: Kernel): Promise<Grant[]> {
  const core = await loadDirective(kernel, "thread_directive", {});
  if (!core.core) {
    throw new KiwiError({
      code: "INTEGRITY_MISMATCH",
      message:
        "thread_directive does not resolve to Kiwi's core directive (a project or user item shadows it): remove the shadowing item",
      context: { reason: "not_core", path: core.id },
    });
  }
  return permissionsToGrants(core.metadata.permissions, {
    registry: await kernel.capabilities(),
    core: true,
  });
}

/**
 * Core spawn tokens for one runtime: a short-lived token of the core `thread_directive` directive, which
 * holds `spawn.thread` (the caller's own token never does). The core directive is loaded and checked on
 * every call — a project or user item shadowing it is refused at once — but the token of a caller is
 * minted once and handed out again while it has at least 30 of its 60 seconds left and the signing key
 * and grants are the same: one signature (and, in the manager's verifier, one verification) instead of
 * one per spawn. The token never leaves the runtime (it authorizes `ThreadManager.spawn` only).
 */
export function coreSpawnTokens(
  now: () => number = () => Date.now() / 1000,
): (kernel: Kernel, callerThread: string) => Promise<{ token: string; jti: string }> {
  const cache = new Map<string, { token: string; jti: string; exp: number; key: string }>();
  return async (kernel, callerThread) => {
    const grants = await coreGrants(kernel);
    const signingKey = await kernel.signingKey();
    const key = `${signingKey.keyId}\n${JSON.stringify(grants)}`;
    const cached = cache.get(callerThread);
    if (cached && cached.key === key && cached.exp - now() >= CORE_TOKEN_REUSE_MARGIN_SECONDS)
      return { token: cached.token, jti: cached.jti };
    const minted = await mintToken({
      key: signingKey,
      grants,
      directiveId: "thread_directive",
      threadId: callerThread,
      ttlSeconds: CORE_TOKEN_TTL_SECONDS,
    });
    if (cache.size >= 256) cache.clear();
    const token = { token: minted.token, jti: minted.claims.jti, exp: minted.claims.exp, key };
    cache.set(callerThread, token);
    return { token: token.token, jti: token.jti };
  };
}
