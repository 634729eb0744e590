import { type AuthorizationRequest, type Authorizer, KiwiError } from "@kiwi/spec";
import type { CapabilityRegistry } from "../definitions/capability-registry";
import { matchPath } from "../glob/match-path";
import { matchToolId } from "../glob/match-tool-id";
import type { CategoryScope, Grant } from "../grant";
import { protectedPathDenial } from "../paths/protected-path-denial";
import { mcpServerId } from "../permissions/mcp-server-id";
import type { CapabilityClaims } from "../token/capability-claims";
import type { TokenVerifier } from "../token/token-verifier";
import { capabilityDenied } from "./denial";
import { primitiveFloor } from "./primitive-floor";
import { recordAuthorization } from "./record-authorization";

type AuthorizationToolRun = Extract<AuthorizationRequest, { kind: "tool.run" }>;

export interface CapabilityGuard {
  /** The kernel's hook: every tool run, item read and item write goes through it. */
  readonly authorizer: Authorizer;
  /**
   * For primitives that act on a path (the filesystem primitive): verifies the call's token and checks
   * one path capability against the canonical project-relative path, protected paths included. Returns
   * the system capabilities the token holds (file operations need them for protected paths).
   */
  checkPath(options: {
    meta: Readonly<Record<string, unknown>>;
    cap: string;
    rel: string;
    write: boolean;
  }): Promise<string[]>;
}

function categoryAllowed(scope: CategoryScope, category: string): boolean {
  const within = (c: string) => category === c || category.startsWith(`${c}/`);
  if (scope.deny_categories.some(within)) return false;
  return scope.allow_categories.length === 0 || scope.allow_categories.some(within);
}

function missingToken(what: string): KiwiError {
  return new KiwiError({
    code: "TOKEN_INVALID",
    message: `${what}: no capability token came with the call. Act under a directive that grants it: \`kiwi run … --as <directive>\` on the command line, \`kiwi serve --as <directive>\` for an MCP client, \`kernel.as("<directive>")\` from an application, or run it on a Kiwi thread of such a directive; without one, only tools that require nothing can run`,
    context: { reason: "missing" },
  });
}

/**
 * The guard every tool goes through. What a chain requires is what its tools declare plus its
 * primitive's floor (`primitiveFloor`: `subprocess` needs `process.exec` whatever a tool says). Without a
 * token, only tools that require nothing (floor included) run — the "LLM outside Kiwi" case — item reads
 * are open, the meta-tools are open, and items are created, updated, signed or deleted only as the
 * person's own act (`person`: the CLI at their terminal). With a token: it is verified (EdDSA, audience,
 * expiry, thread); each meta-tool needs its `kiwi.*` capability; the tool id must fall within a
 * `tool.execute` grant, every required capability must be held, the request URL's host must match a
 * `net.http` scope when net.http is required, the MCP server (`config.mcp_server`) an `mcp.connect` scope
 * when mcp.connect is, and every file the call's sinks write (`writes`) the `fs.write` scope and the
 * protected paths; knowledge and directive categories follow their rules (deny wins); item writes need
 * `item.sign`. Scoped checks on a primitive's concrete paths happen in the primitive (`checkPath`).
 */
export function createCapabilityGuard(options: {
  verifier: TokenVerifier;
  registry: () => CapabilityRegistry;
}): CapabilityGuard {
  const { verifier } = options;
  /** Errors whose denial `requireCap` already recorded (with its capability and scope). */
  const recorded = new WeakSet<object>();
  const verify = (meta: Readonly<Record<string, unknown>>): Promise<CapabilityClaims> =>
    verifier.verify(meta.__auth, typeof meta.__thread_id === "string" ? { threadId: meta.__thread_id } : {});
  const held = (claims: CapabilityClaims, cap: string): Grant[] => claims.caps.filter((g) => g.cap === cap);
  const scopesOf = (grants: Grant[]) =>
    grants.map((g) => (typeof g.scope === "string" ? g.scope : JSON.stringify(g.scope ?? "")));
  const requireCap = (
    claims: CapabilityClaims,
    cap: string,
    scope?: string,
    matches?: (g: Grant) => boolean,
  ) => {
    const grants = held(claims, cap);
    const grant = grants.length ? (matches ? grants.find(matches) : grants[0]) : undefined;
    if (grant) return grant;
    const heldScopes = matches ? scopesOf(grants) : [];
    const error = capabilityDenied({
      cap,
      scope,
      held: heldScopes,
      system: options.registry().isSystemOnly(cap),
    });
    recordAuthorization({
      decision: "deny",
      capability: cap,
      ...(scope !== undefined ? { scope } : {}),
      jti: claims.jti,
      reason: heldScopes.length ? "scope_denied" : "cap_missing",
      code: error.code,
    });
    recorded.add(error);
    throw error;
  };

  const requireMcpServer = (claims: CapabilityClaims, config: AuthorizationToolRun["config"]) => {
    // The server the call talks to: an approved configuration's name, set by the signed tool (a
    // generated tool) or by the caller (mcp_connect's `name`). A scoped grant needs it to match.
    const named = config?.mcp_server;
    const server = typeof named === "string" && named !== "" ? mcpServerId(named) : undefined;
    requireCap(
      claims,
      "mcp.connect",
      server ?? "(no server named)",
      (g) =>
        g.scope === undefined ||
        (server !== undefined && typeof g.scope === "string" && matchToolId(g.scope, server)),
    );
  };

  const authorizeToolRun = async (req: AuthorizationToolRun): Promise<void> => {
    // The primitive's floor counts as required, whatever the tools declare.
    const floor = req.primitive
      ? primitiveFloor({ primitive: req.primitive, config: req.config, params: req.params })
      : [];
    const requires = floor.length ? [...new Set([...req.requires, ...floor])] : req.requires;
    if (req.meta.__auth === undefined) {
      if (requires.length === 0 && !req.writes?.length) return;
      const below = floor.filter((cap) => !req.requires.includes(cap));
      throw missingToken(
        `tool ${req.toolId} requires ${requires.join(", ")}${below.length ? ` (${below.join(", ")}: what its primitive ${req.primitive} always needs, whatever the tool declares)` : ""}`,
      );
    }
    const claims = await verify(req.meta);
    const allowedBy = requireCap(
      claims,
      "tool.execute",
      req.toolId,
      (g) => typeof g.scope === "string" && matchToolId(g.scope, req.toolId),
    );
    for (const cap of requires) requireCap(claims, cap);
    if (requires.includes("mcp.connect")) requireMcpServer(claims, req.config);
    const url = req.url;
    if (requires.includes("net.http")) {
      const host = typeof url === "string" ? hostOf(url) : undefined;
      requireCap(
        claims,
        "net.http",
        host ?? "(no host)",
        (g) =>
          g.scope === undefined ||
          (host !== undefined && typeof g.scope === "string" && matchToolIdOrHost(g.scope, host)),
      );
    }
    // Files the call's sinks write: inside the fs.write scope and past the protected paths.
    for (const rel of req.writes ?? []) checkClaimsPath(claims, "fs.write", rel, true);
    recordAuthorization({
      decision: "allow",
      capability: "tool.execute",
      scope: String(allowedBy.scope),
      required: requires,
      tool: req.toolId,
      jti: claims.jti,
    });
  };

  const authorizeRequest = async (req: AuthorizationRequest): Promise<void> => {
    if (req.kind === "tool.run") return authorizeToolRun(req);
    const token = req.meta.__auth;
    if (req.kind === "meta") {
      if (token === undefined) return;
      const claims = await verify(req.meta);
      const capability = `kiwi.${req.tool}`;
      requireCap(claims, capability);
      recordAuthorization({ decision: "allow", capability, jti: claims.jti });
      return;
    }
    if (req.kind === "item.write") {
      if (token === undefined) {
        // The person at their own terminal (or code acting for them) writes with their own key. Nobody
        // else does without a token: an MCP client of `kiwi serve`, an app, a thread.
        if (req.person || req.action === "load") return;
        throw itemSignNeeded(req.action);
      }
      requireCap(await verify(req.meta), "item.sign");
      return;
    }
    if (token === undefined) return;
    const claims = await verify(req.meta);
    const cap =
      req.itemType === "knowledge"
        ? "knowledge.read"
        : req.itemType === "directive"
          ? "directive.read"
          : undefined;
    if (!cap) return;
    const rules = held(claims, cap).filter(
      (g): g is Grant & { scope: CategoryScope } => typeof g.scope === "object" && g.scope !== null,
    );
    if (rules.length && !rules.some((g) => categoryAllowed(g.scope, req.category))) {
      throw capabilityDenied({ cap, scope: req.category || "(top)", held: scopesOf(rules), system: false });
    }
  };

  /** The path capability's scope on a canonical path, then the protected paths with the token's system caps. */
  const checkClaimsPath = (claims: CapabilityClaims, cap: string, rel: string, write: boolean): string[] => {
    requireCap(claims, cap, rel, (g) => typeof g.scope === "string" && matchPath(g.scope, rel));
    const system = claims.caps.filter((g) => options.registry().isSystemOnly(g.cap)).map((g) => g.cap);
    const denial = protectedPathDenial(rel, { write, systemCaps: system });
    if (denial) {
      throw new KiwiError({
        code: "PATH_PROTECTED",
        message: `${JSON.stringify(rel)}: ${denial.message}`,
        context: { reason: "protected", path: rel, ...(denial.needs ? { needs: denial.needs } : {}) },
      });
    }
    return system;
  };

  /** Every refusal is recorded on the active span (a scoped one already was, with its capability). */
  const authorize = async (req: AuthorizationRequest): Promise<void> => {
    try {
      await authorizeRequest(req);
    } catch (error) {
      if (!recorded.has(error as object)) recordDenial(error, req);
      throw error;
    }
  };

  return {
    authorizer: authorize,
    async checkPath({ meta, cap, rel, write }) {
      try {
        if (meta.__auth === undefined) throw missingToken(`${cap} on ${JSON.stringify(rel)}`);
        return checkClaimsPath(await verify(meta), cap, rel, write);
      } catch (error) {
        if (!recorded.has(error as object)) recordDenial(error, { cap, rel });
        throw error;
      }
    },
  };
}

/** A refusal that did not come from a capability check (token missing, invalid or expired; a protected path). */
function recordDenial(error: unknown, req: AuthorizationRequest | { cap: string; rel: string }): void {
  const e = error as { code?: unknown; context?: { reason?: unknown; required?: unknown; needs?: unknown } };
  const ctx = e.context ?? {};
  if (!("kind" in req)) {
    recordAuthorization({
      decision: "deny",
      capability: req.cap,
      scope: req.rel,
      reason: typeof ctx.reason === "string" ? ctx.reason : "error",
      code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
    });
    return;
  }
  const capability =
    typeof ctx.required === "string"
      ? ctx.required
      : typeof ctx.needs === "string"
        ? ctx.needs
        : req.kind === "tool.run"
          ? "tool.execute"
          : req.kind === "meta"
            ? `kiwi.${req.tool}`
            : req.kind;
  recordAuthorization({
    decision: "deny",
    capability,
    ...(req.kind === "tool.run" ? { tool: req.toolId } : {}),
    reason: typeof ctx.reason === "string" ? ctx.reason : "error",
    code: typeof e.code === "string" ? e.code : "INTERNAL_ERROR",
  });
}

/** A tokenless item write by anyone but the person at their own terminal. */
function itemSignNeeded(action: string): KiwiError {
  const suggestion =
    "review the change and make it yourself at your terminal (kiwi sign <type> <id> signs what you reviewed); a thread needs a core directive's item.sign";
  return new KiwiError({
    code: "CAPABILITY_DENIED",
    message: `${action} of an item needs item.sign, a system capability: without a capability token only the person at their own terminal changes items, never an MCP client, an app or a model: ${suggestion}`,
    context: { reason: "cap_missing", required: "item.sign", suggestion },
  });
}

/** A URL's host name, or undefined when it does not parse (the request is then refused). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Host scopes use the tool-id dialect's single-segment matching over a hostname (`*.example.com`). */
function matchToolIdOrHost(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return false;
}
