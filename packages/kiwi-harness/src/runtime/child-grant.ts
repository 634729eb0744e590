// A child thread queued on a shared store (`kiwi worker`) may run on another worker than its parent. Its
// token is minted there, inside the child, from its directive's permissions attenuated by its parent's
// grants — which travel through the store as a grant: a capability token over the parent's grants, signed
// by the parent's worker with its key for this one child (its audience names the child, its `thread_id` is
// the parent, its `parent_jti` the parent token's). The child's worker verifies it against the keys it
// trusts (its own and `kiwi trust`ed ones; never the core keys, which sign items, not threads): a private
// key never travels through the store, and a grant forged, altered, widened, replayed for another thread
// or signed by an unknown key is THREAD_GRANT_INVALID — the child fails before anything runs.
import { type CapabilityClaims, mintToken, verifyToken } from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";
import { loadKeyring } from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import type { LoadedDirective } from "./loaded-directive";
import { ThreadToken } from "./thread-token";

/** The issuer of every child grant. */
export const CHILD_GRANT_ISSUER = "kiwi-thread-parent";
/** How long a grant waits in the queue at most (and how long the child's tokens may live: they never outlive it). */
export const CHILD_GRANT_TTL_SECONDS = 86_400;

/** A grant's audience: it names the child, so the grant holds for that thread only. */
export function childGrantAudience(childId: string): string {
  return `kiwi-child-grant:${childId}`;
}

/** Signs the parent's grants for one child with this runtime's key (the parent's worker). */
export async function signChildGrant(
  kernel: Kernel,
  parent: Pick<CapabilityClaims, "caps" | "directive_id" | "thread_id" | "jti">,
  childId: string,
): Promise<string> {
  const minted = await mintToken({
    key: await kernel.signingKey(),
    grants: parent.caps,
    directiveId: parent.directive_id,
    threadId: parent.thread_id,
    parentJti: parent.jti,
    audience: childGrantAudience(childId),
    issuer: CHILD_GRANT_ISSUER,
    ttlSeconds: CHILD_GRANT_TTL_SECONDS,
  });
  return minted.token;
}

/**
 * The grant a resumed parent signs again for a child its dead worker registered but never queued (the
 * grant was signed in that worker's memory and is gone with it; it is never stored with the row). It
 * holds what the lost one held: the parent's grants as its thread holds them — its directive's permissions
 * attenuated to its own parent's grants, computed as the thread's token is (`ThreadToken`) — for this one
 * child, and names as `parent_jti` the parent token that asked for the spawn (`caller_jti` on the child's
 * row), not the resumed run's. Signed with this runtime's key, which the child's worker must trust like
 * any worker's.
 */
export async function resignChildGrant(options: {
  readonly kernel: Kernel;
  readonly parentId: string;
  /** The parent's directive, loaded for its resume. */
  readonly directive: LoadedDirective;
  /** The parent's own parent's grants (its journaled start), if it is a child itself. */
  readonly parentGrants?: readonly CapabilityClaims["caps"][number][];
  readonly parentJti?: string;
  /** The provider's thread tool (the parent token's companion for model calls needs it). */
  readonly threadTool: string;
  /** The token that asked for the spawn, as the child's row records it. */
  readonly callerJti: string | null;
  readonly childId: string;
}): Promise<string> {
  const { kernel, parentId, directive, childId } = options;
  const token = new ThreadToken({
    kernel,
    threadId: parentId,
    directive: directive.name,
    threadTool: options.threadTool,
    ...(options.parentGrants ? { parentGrants: options.parentGrants } : {}),
    ...(options.parentJti ? { parentJti: options.parentJti } : {}),
  });
  await token.mintFor(directive.metadata.permissions, directive.core);
  return signChildGrant(
    kernel,
    {
      caps: token.grants,
      directive_id: directive.name,
      thread_id: parentId,
      jti: options.callerJti ?? token.jti,
    },
    childId,
  );
}

/**
 * The parent's claims from a queued child's grant, verified against the keys this user space trusts; its
 * `thread_id` is the child's recorded parent. THREAD_GRANT_INVALID otherwise (`context.reason` says why).
 */
export async function verifyChildGrant(
  kernel: Kernel,
  grant: unknown,
  child: { readonly threadId: string; readonly parentId: string | null },
): Promise<CapabilityClaims> {
  const refuse = (reason: string, why: string) =>
    new KiwiError({
      code: "THREAD_GRANT_INVALID",
      message: `thread ${child.threadId} was queued as a child, but ${why}: it does not run (nothing was done). A child runs with grants its parent's worker signed for it, verified with the keys this worker trusts (kiwi trust <the parent worker's public key>)`,
      context: { thread_id: child.threadId, parent_id: child.parentId, reason },
    });
  if (child.parentId === null) throw refuse("no_parent", "it has no parent thread in the store");
  if (typeof grant !== "string" || grant.length === 0)
    throw refuse("missing", "its parent's grant is missing");
  const own = await kernel.signingKey();
  const ring = await loadKeyring({ userSpace: kernel.userSpace, ownKey: own.publicKey });
  try {
    return await verifyToken(grant, {
      keys: ring.list().map((k) => ({ keyId: k.keyId, publicKey: k.publicKey })),
      audience: childGrantAudience(child.threadId),
      issuer: CHILD_GRANT_ISSUER,
      threadId: child.parentId,
    });
  } catch (error) {
    const reason = (error as { context?: { reason?: unknown } }).context?.reason;
    const code = (error as { code?: unknown }).code;
    throw refuse(
      typeof reason === "string" ? reason : String(code ?? "unverifiable"),
      `its parent's grant does not verify (${typeof reason === "string" ? reason : (code ?? "unverifiable")})`,
    );
  }
}
