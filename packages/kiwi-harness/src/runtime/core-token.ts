import { mintToken, permissionsToGrants } from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";
import { KiwiError } from "@kiwi/spec";
import { loadDirective } from "./loaded-directive";

/**
 * A short-lived token of the core `thread_directive` directive: it holds `spawn.thread`, which the
 * caller's own token never does. Refused when a project or user item shadows the core directive.
 */
export async function coreSpawnToken(
  kernel: Kernel,
  callerThread: string,
): Promise<{ token: string; jti: string }> {
  const core = await loadDirective(kernel, "thread_directive", {});
  if (!core.core) {
    throw new KiwiError({
      code: "INTEGRITY_MISMATCH",
      message:
        "thread_directive does not resolve to Kiwi's core directive (a project or user item shadows it): remove the shadowing item",
      context: { reason: "not_core", path: core.id },
    });
  }
  const grants = permissionsToGrants(core.metadata.permissions, {
    registry: await kernel.capabilities(),
    core: true,
  });
  const minted = await mintToken({
    key: await kernel.signingKey(),
    grants,
    directiveId: "thread_directive",
    threadId: callerThread,
    ttlSeconds: 60,
  });
  return { token: minted.token, jti: minted.claims.jti };
}
