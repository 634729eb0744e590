import { type AuthorizationRequest, type Authorizer, KiwiError } from "@kiwi/spec";
import type { CapabilityRegistry } from "../definitions/capability-registry";
import { matchPath } from "../glob/match-path";
import { matchToolId } from "../glob/match-tool-id";
import type { CategoryScope, Grant } from "../grant";
import { isProtectedPath } from "../paths/is-protected-path";
import { mcpServerId } from "../permissions/mcp-server-id";
import type { CapabilityClaims } from "../token/capability-claims";
import type { TokenVerifier } from "../token/token-verifier";
import { capabilityDenied } from "./denial";

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
    message: `${what}: run it from a Kiwi thread whose directive grants it (a capability token travels with every call there); outside Kiwi only tools that require nothing can run`,
    context: { reason: "missing" },
  });
}

/**
 * The guard every tool goes through. Without a token, only tools that require nothing run (the "LLM
 * outside Kiwi" case) and item reads and writes are the local user's own. With a token: it is verified
 * (EdDSA, audience, expiry, thread), the tool id must fall within a `tool.execute` grant, every
 * capability the chain requires must be held, a request URL must match a `net.http` host scope when the
 * chain requires net.http, the MCP server (`config.mcp_server`) must match an `mcp.connect` scope when
 * the chain requires mcp.connect, knowledge and directive categories follow their rules (deny wins), and item
 * writes need `item.sign`. Scoped checks on concrete paths happen in the primitive (`checkPath`).
 */
export function createCapabilityGuard(options: {
  verifier: TokenVerifier;
  registry: () => CapabilityRegistry;
}): CapabilityGuard {
  const { verifier } = options;
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
    if (grants.length && (!matches || grants.some(matches))) return;
    throw capabilityDenied({
      cap,
      scope,
      held: matches ? scopesOf(grants) : [],
      system: options.registry().isSystemOnly(cap),
    });
  };

  const authorize = async (req: AuthorizationRequest): Promise<void> => {
    const token = req.meta.__auth;
    if (req.kind === "tool.run") {
      if (token === undefined) {
        if (req.requires.length === 0) return;
        throw missingToken(`tool ${req.toolId} requires ${req.requires.join(", ")}`);
      }
      const claims = await verify(req.meta);
      requireCap(
        claims,
        "tool.execute",
        req.toolId,
        (g) => typeof g.scope === "string" && matchToolId(g.scope, req.toolId),
      );
      for (const cap of req.requires) requireCap(claims, cap);
      if (req.requires.includes("mcp.connect")) {
        // The server the call talks to: an approved configuration's name, set by the signed tool (a
        // generated tool) or by the caller (mcp_connect's `name`). A scoped grant needs it to match.
        const named = req.config?.mcp_server;
        const server = typeof named === "string" && named !== "" ? mcpServerId(named) : undefined;
        requireCap(
          claims,
          "mcp.connect",
          server ?? "(no server named)",
          (g) =>
            g.scope === undefined ||
            (server !== undefined && typeof g.scope === "string" && matchToolId(g.scope, server)),
        );
      }
      const url = req.url;
      if (req.requires.includes("net.http") && typeof url === "string") {
        const host = new URL(url).hostname;
        requireCap(
          claims,
          "net.http",
          host,
          (g) => g.scope === undefined || (typeof g.scope === "string" && matchToolIdOrHost(g.scope, host)),
        );
      }
      return;
    }
    if (token === undefined) return;
    const claims = await verify(req.meta);
    if (req.kind === "item.write") {
      requireCap(claims, "item.sign");
      return;
    }
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

  return {
    authorizer: authorize,
    async checkPath({ meta, cap, rel, write }) {
      if (meta.__auth === undefined) throw missingToken(`${cap} on ${JSON.stringify(rel)}`);
      const claims = await verify(meta);
      requireCap(claims, cap, rel, (g) => typeof g.scope === "string" && matchPath(g.scope, rel));
      const system = claims.caps.filter((g) => options.registry().isSystemOnly(g.cap)).map((g) => g.cap);
      const verdict = isProtectedPath(rel);
      // Reads of items are fine; writing them (or touching .git and keys at all) is not.
      if (
        verdict.protected &&
        (write || verdict.needs === undefined) &&
        !(verdict.needs && system.includes(verdict.needs))
      ) {
        throw new KiwiError({
          code: "PATH_PROTECTED",
          message: verdict.needs
            ? `${JSON.stringify(rel)} is protected: changing it needs the system capability ${verdict.needs}, which only core directives hold`
            : `${JSON.stringify(rel)} is protected: Kiwi's file tools never touch it`,
          context: { reason: "protected", path: rel, ...(verdict.needs ? { needs: verdict.needs } : {}) },
        });
      }
      return system;
    },
  };
}

/** Host scopes use the tool-id dialect's single-segment matching over a hostname (`*.example.com`). */
function matchToolIdOrHost(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return false;
}
