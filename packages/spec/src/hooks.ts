/**
 * Hooks the kernel calls without interpreting what flows through them. The tool layer (capabilities,
 * threads) plugs in here; the kernel only forwards opaque metadata.
 */

/** What is about to happen, described for a guard in the tool layer. */
export type AuthorizationRequest =
  | {
      readonly kind: "tool.run";
      /** The tool being run (head of the chain). */
      readonly toolId: string;
      /** Every tool id in the chain, head first. */
      readonly chain: readonly string[];
      /** The union of `requires` across the chain (and its sinks'). */
      readonly requires: readonly string[];
      /**
       * The primitive the chain ends in. The guard adds the primitive's own floor (`subprocess` needs
       * `process.exec`, …) to `requires`, whatever the tools declare.
       */
      readonly primitive?: string;
      readonly params: Readonly<Record<string, unknown>>;
      /** The rendered `config.url`, when the chain has one (host-scoped capabilities are checked on it). */
      readonly url?: string;
      /**
       * The rendered config merged down the chain. Scoped capabilities are checked on the concrete values
       * in it (`mcp.connect` on `config.mcp_server`, the server the call talks to).
       */
      readonly config?: Readonly<Record<string, unknown>>;
      /**
       * Files the call's sinks will write: every destination's `path` setting, resolved inside the project
       * (canonical, project-relative). Each must fall within the caller's `fs.write` scope and pass the
       * protected paths, like any write, whatever the sink's definition declares.
       */
      readonly writes?: readonly string[];
      readonly meta: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: "item.write";
      readonly action: "sign" | "create" | "update" | "delete" | "load";
      readonly itemType: "directive" | "tool" | "knowledge" | "system_prompt";
      readonly itemId: string;
      /** Project-relative (or user-space-relative) path that will be written. */
      readonly path: string;
      readonly space: string;
      /**
       * The call is the person's own act: the kernel was created for the person at their own terminal
       * (the `kiwi` CLI), or the code calling it acts for them (the MCP connector refreshing a server the
       * person approved). Without a token only such writes are allowed; every other caller (an MCP client
       * of `kiwi serve`, a thread, an app) needs `item.sign` in its token.
       */
      readonly person?: boolean;
      readonly meta: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: "item.read";
      /** For "search" the guard decides per category: itemId is "*" and refused categories are left out. */
      readonly action: "run" | "load" | "search";
      readonly itemType: "directive" | "tool" | "knowledge";
      readonly itemId: string;
      readonly category: string;
      readonly meta: Readonly<Record<string, unknown>>;
    }
  | {
      /**
       * A meta-tool is about to run: a caller with a token needs `kiwi.<tool>` (`kiwi.search`,
       * `kiwi.load`, `kiwi.execute`, `kiwi.help`). Not asked for a harness's direct call of a tool the
       * token grants by id (that is `tool.run` alone).
       */
      readonly kind: "meta";
      readonly tool: "search" | "load" | "execute" | "help";
      readonly meta: Readonly<Record<string, unknown>>;
    };

/**
 * A guard from the tool layer. Resolve to allow; throw a `KiwiError` (CAPABILITY_DENIED, TOKEN_INVALID…)
 * to refuse. When configured, the kernel calls it before every tool run, item read and item write; what
 * an absent token means is the authorizer's decision.
 */
export type Authorizer = (request: AuthorizationRequest) => Promise<void> | void;

export type HelpSignalKind = "stuck" | "escalate" | "checkpoint";

export interface HelpSignal {
  readonly kind: HelpSignalKind;
  readonly topic?: string;
  readonly reason?: string;
  readonly meta: Readonly<Record<string, unknown>>;
}

/** Receives `help` signals. Threads plug in here; without one the signal is acknowledged and not routed. */
export type HelpSignalHandler = (signal: HelpSignal) => Promise<Record<string, unknown>>;
