import {
  attenuate,
  dropSystemCaps,
  type Grant,
  matchToolId,
  mintToken,
  permissionsToGrants,
} from "@kiwi/capabilities";
import type { Kernel } from "@kiwi/kernel";

/** Who the thread is and where its token may reach: what minting needs besides the grants. */
export interface ThreadTokenOptions {
  readonly kernel: Kernel;
  readonly threadId: string;
  readonly directive: string;
  /** The provider's thread tool: the one tool the runtime's own model-call token may run. */
  readonly threadTool: string;
  /** The parent thread's grants: the child's are attenuated to them (never wider). */
  readonly parentGrants?: readonly Grant[];
  readonly parentJti?: string;
  /** The parent token's expiry (epoch seconds), or a function giving its current one. */
  readonly notAfter?: number | (() => number | undefined);
  readonly ttlSeconds?: number;
}

function safeMatch(pattern: string, id: string): boolean {
  try {
    return matchToolId(pattern, id);
  } catch {
    return false;
  }
}

/**
 * A thread's capability token, minted inside the thread once its directive is loaded, never shown to
 * the harness: the grants (the directive's permissions, attenuated to the parent's), the token every
 * tool call carries, and a second token for the runtime's own model calls (the provider's thread tool,
 * the network, the thread's stream file). Both are re-minted before they expire.
 */
export class ThreadToken {
  readonly #o: ThreadTokenOptions;
  #grants: Grant[] = [];
  #token = "";
  #jti = "";
  #exp = 0;
  #infraToken = "";

  constructor(options: ThreadTokenOptions) {
    this.#o = options;
  }

  /**
   * Computes the grants from the directive's permissions and mints; returns how many the parent lacked
   * and which system capabilities were left out because the directive is not core (`core`: the bundled
   * core space and the core key's signature, as the kernel reports it — never the directive's own text).
   */
  async mintFor(
    permissions: Parameters<typeof permissionsToGrants>[0],
    core: boolean,
  ): Promise<{ grants: number; dropped: number; system_dropped?: string[] }> {
    const registry = await this.#o.kernel.capabilities();
    const own = dropSystemCaps(permissionsToGrants(permissions, { registry, core }), { registry, core });
    let grants = own.grants;
    let dropped = 0;
    if (this.#o.parentGrants) {
      const narrowed = attenuate({ parent: this.#o.parentGrants, child: grants, registry });
      grants = narrowed.grants;
      dropped = narrowed.dropped.length;
    }
    this.#grants = grants;
    await this.mint();
    return {
      grants: grants.length,
      dropped,
      ...(own.dropped.length ? { system_dropped: own.dropped } : {}),
    };
  }

  async mint(): Promise<void> {
    const key = await this.#o.kernel.signingKey();
    const { threadId, directive, ttlSeconds, notAfter } = this.#o;
    const common = {
      key,
      threadId,
      ttlSeconds,
      notAfter: typeof notAfter === "function" ? notAfter() : notAfter,
    };
    const minted = await mintToken({
      ...common,
      grants: this.#grants,
      directiveId: directive,
      parentJti: this.#o.parentJti,
    });
    this.#token = minted.token;
    this.#jti = minted.claims.jti;
    this.#exp = minted.claims.exp;
    const infra = await mintToken({
      ...common,
      directiveId: directive,
      // The stream record goes to the thread's own folder: fs.write there, and registry.write because
      // `.ai/threads/**` is a protected path. kiwi.execute: the model call runs through execute.
      grants: [
        { cap: "tool.execute", scope: this.#o.threadTool },
        { cap: "kiwi.execute" },
        { cap: "net.http" },
        { cap: "fs.write", scope: `.ai/threads/${threadId}/**` },
        { cap: "registry.write" },
      ],
    });
    this.#infraToken = infra.token;
  }

  /** Re-mints when the token has less than a minute left. */
  async refresh(nowSeconds: number): Promise<void> {
    if (nowSeconds > this.#exp - 60) await this.mint();
  }

  get grants(): readonly Grant[] {
    return this.#grants;
  }

  get jti(): string {
    return this.#jti;
  }

  /** The current token's expiry (epoch seconds; 0 before it is minted). */
  get exp(): number {
    return this.#exp;
  }

  holds(cap: string): boolean {
    return this.#grants.some((g) => g.cap === cap);
  }

  /** What every tool call of the thread carries. */
  meta(): Record<string, unknown> {
    return { __auth: this.#token, __thread_id: this.#o.threadId, __directive_id: this.#o.directive };
  }

  /** What the runtime's own model calls carry. */
  modelMeta(): Record<string, unknown> {
    return { __auth: this.#infraToken, __thread_id: this.#o.threadId, __directive_id: this.#o.directive };
  }

  /** The `tool.execute` grant covering a tool id, as the audit trail writes it (null: none). */
  grantFor(toolId: string): string | null {
    const grant = this.#grants.find(
      (g) => g.cap === "tool.execute" && typeof g.scope === "string" && safeMatch(g.scope, toolId),
    );
    return grant ? `tool.execute:${grant.scope}` : null;
  }

  /** Tool ids granted by exact id (no wildcard), in grant order. */
  exactTools(): string[] {
    const ids = this.#grants
      .filter((g) => g.cap === "tool.execute" && typeof g.scope === "string" && !/[*?[{]/.test(g.scope))
      .map((g) => g.scope as string);
    return [...new Set(ids)];
  }
}
