import { randomBytes } from "node:crypto";
import {
  dropSystemCaps,
  type Grant,
  mintToken,
  permissionsToGrants,
  type ScopeKind,
  systemCapsIn,
  validatePattern,
} from "@kiwi/capabilities";
import { KiwiError, type ToolFailure } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import type { CallOptions, KernelMetaTools, MetaResult } from "../kernel-types";
import { readVerified } from "../meta/resolve-item";

/** Options of `kernel.as(directive, …)`. */
export interface KernelSessionOptions {
  /** Lifetime of each token the session mints, in seconds (default 900); it is renewed before it ends. */
  readonly ttlSeconds?: number;
  /** Called after every call with what was decided (an audit log writes these). */
  readonly onCall?: (record: SessionCallRecord) => void;
}

/** One call of a session, as an audit log records it. */
export interface SessionCallRecord {
  /** ISO time the call ended. */
  readonly time: string;
  readonly session: string;
  readonly jti: string;
  readonly meta_tool: "search" | "load" | "execute" | "help";
  /** The item the call named (`tool:read_file`, `directive:x`…), or the query for search. */
  readonly target: string;
  readonly decision: "allowed" | "denied" | "failed";
  /** What the denial required: the capability and its scope (`net.http api.example.com`). */
  readonly required?: string;
  readonly code?: string;
  readonly reason?: string;
}

/** The four meta-tools acting under one directive's permissions. */
export interface KernelSession extends KernelMetaTools {
  /** `session-<random>`: the thread id its tokens are bound to. */
  readonly id: string;
  readonly directive: string;
  /** What the session holds: the directive's permissions, system capabilities removed. */
  readonly grants: readonly Grant[];
  /** System capabilities the directive grants that the session does not hold. */
  readonly dropped: readonly string[];
  /** The current token's id (it changes when the token is renewed). */
  readonly jti: string;
  /**
   * Adds one grant for the rest of the session (a capability the person allowed when a call was denied)
   * and re-mints at once. Refused with CAPABILITY_DENIED for a system capability and CAPABILITY_UNKNOWN
   * for one no capability set defines; a scope is taken exactly as given (validated like a directive's).
   */
  grant(grant: Grant): Promise<void>;
  /** Whether `grant` would accept this grant (so a host asks the person only about what it could add). */
  canGrant(grant: Grant): Promise<boolean>;
}

const RENEW_BEFORE_SECONDS = 60;
const DENIAL_CODES = new Set(["CAPABILITY_DENIED", "TOKEN_INVALID", "PATH_PROTECTED"]);

function targetOf(name: SessionCallRecord["meta_tool"], input: Record<string, unknown>): string {
  if (name === "search") return `${String(input.item_type)}?${String(input.query ?? "")}`;
  if (name === "help") return `help:${String(input.topic ?? input.action ?? "")}`;
  return `${String(input.item_type)}:${String(input.item_id)}`;
}

function recordOf(base: Omit<SessionCallRecord, "decision" | "time">, result: MetaResult): SessionCallRecord {
  const time = new Date().toISOString();
  if (result.success) return { ...base, time, decision: "allowed" };
  const error = (result as ToolFailure).error as Record<string, unknown> & { code: string; message: string };
  const denied = DENIAL_CODES.has(error.code);
  return {
    ...base,
    time,
    decision: denied ? "denied" : "failed",
    code: error.code,
    ...(typeof error.required === "string" ? { required: error.required } : {}),
    reason: error.message,
  };
}

/** A grant added during a session: a plain string scope, checked like a directive's of the same kind. */
function scopedGrant(grant: Grant, kind: ScopeKind): Grant {
  const scope = grant.scope;
  if (scope === undefined || kind === "none") return kind === "none" ? { cap: grant.cap } : grant;
  if (typeof scope !== "string" || kind === "category" || kind === "orchestration") {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `${grant.cap} cannot be granted during a session: a directive's permissions grant it`,
      context: { capability: grant.cap },
    });
  }
  if (kind === "path" || kind === "tool_id") return { cap: grant.cap, scope: validatePattern(scope, kind) };
  return { cap: grant.cap, scope };
}

/**
 * Opens a session acting under a directive's permissions: the directive is read and verified as the
 * local user, its `<permissions>` become grants (system capabilities are never held by a session), and a
 * capability token is minted with the user's key for a session id of its own. Every call carries it, so
 * the tool layer checks each call exactly as it checks a thread's. The token is renewed before it
 * expires; the application never handles a token or a key.
 */
export async function openKernelSession(
  kernel: KernelMetaTools,
  ctx: KernelContext,
  directiveId: string,
  options: KernelSessionOptions = {},
): Promise<KernelSession> {
  const item = await readVerified(ctx, "directive", directiveId);
  if (item.parsed.itemType !== "directive") throw new Error("unreachable");
  const directive = item.category ? `${item.category}/${item.id}` : item.id;
  await ctx.library.ensureFresh();
  const registry = ctx.capabilities();
  let all: Grant[];
  try {
    all = permissionsToGrants(item.parsed.data.metadata.permissions, { registry, core: false });
  } catch (error) {
    if (KiwiError.isInstance(error)) {
      throw new KiwiError({
        code: error.code,
        message: `directive ${directive} cannot be acted as: ${error.message}`,
        context: { ...error.context, directive },
        cause: error,
      });
    }
    throw error;
  }
  // What every minter does for a directive that is not core: no system capability, whoever signed it.
  const { grants, dropped } = dropSystemCaps(all, { registry, core: false });
  const id = `session-${randomBytes(9).toString("base64url")}`;
  let token = "";
  let jti = "";
  let exp = 0;
  const renew = async (force = false) => {
    if (!force && exp - Date.now() / 1000 > RENEW_BEFORE_SECONDS) return;
    const minted = await mintToken({
      key: await ctx.signingKey(),
      grants,
      directiveId: directive,
      threadId: id,
      ttlSeconds: options.ttlSeconds,
    });
    token = minted.token;
    jti = minted.claims.jti;
    exp = minted.claims.exp;
  };
  await renew();

  const checkGrant = async (extra: Grant): Promise<Grant> => {
    await ctx.library.ensureFresh();
    const current = ctx.capabilities();
    if (!current.has(extra.cap)) {
      throw new KiwiError({
        code: "CAPABILITY_UNKNOWN",
        message: `${extra.cap} is not a capability any capability set defines`,
        context: { capability: extra.cap },
      });
    }
    if (systemCapsIn([extra], current).length) {
      throw new KiwiError({
        code: "CAPABILITY_DENIED",
        message: `${extra.cap} is a system capability: a session never holds one (only core directives do)`,
        context: { reason: "system", required: extra.cap },
      });
    }
    return scopedGrant(extra, current.get(extra.cap)!.scope);
  };

  const call =
    <I extends object>(
      name: SessionCallRecord["meta_tool"],
      fn: (input: I, o?: CallOptions) => Promise<MetaResult>,
    ) =>
    async (input: I, callOptions: CallOptions = {}): Promise<MetaResult> => {
      await renew();
      const usedJti = jti;
      const result = await fn(input, {
        ...callOptions,
        // The session's own identity wins over anything a caller passes.
        meta: { ...callOptions.meta, __auth: token, __thread_id: id, __directive_id: directive },
      });
      options.onCall?.(
        recordOf(
          {
            session: id,
            jti: usedJti,
            meta_tool: name,
            target: targetOf(name, input as Record<string, unknown>),
          },
          result,
        ),
      );
      return result;
    };

  return {
    id,
    directive,
    grants,
    dropped,
    get jti() {
      return jti;
    },
    search: call("search", (i, o) => kernel.search(i, o)),
    load: call("load", (i, o) => kernel.load(i, o)),
    execute: call("execute", (i, o) => kernel.execute(i, o)),
    help: call("help", (i, o) => kernel.help(i, o)),
    async grant(extra: Grant) {
      const checked = await checkGrant(extra);
      const same = (g: Grant) => g.cap === checked.cap && g.scope === checked.scope;
      if (!grants.some(same)) grants.push(checked);
      await renew(true);
    },
    async canGrant(extra: Grant) {
      return checkGrant(extra).then(
        () => true,
        () => false,
      );
    },
  };
}

/**
 * The grant a CAPABILITY_DENIED result names in `required` (`"net.http localhost"` → `{cap: "net.http",
 * scope: "localhost"}`), for a host that asks the person to allow it; undefined for any other result.
 */
export function deniedGrant(result: MetaResult): Grant | undefined {
  if (result.success !== false || result.error.code !== "CAPABILITY_DENIED") return undefined;
  const required = result.error.required;
  if (typeof required !== "string" || !required.trim()) return undefined;
  const at = required.indexOf(" ");
  return at < 0 ? { cap: required } : { cap: required.slice(0, at), scope: required.slice(at + 1) };
}
