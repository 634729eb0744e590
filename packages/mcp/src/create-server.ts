import {
  deniedGrant,
  type ExecuteInput,
  executeInputShape,
  type HelpInput,
  helpInputShape,
  type KernelMetaTools,
  type KernelSession,
  type LoadInput,
  loadInputShape,
  type SearchInput,
  searchInputShape,
} from "@kiwi/kernel";
import { toToolFailure } from "@kiwi/spec";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { version as packageVersion } from "../package.json";
import { advertisedSchema } from "./advertised-schema";
import { askToAllow } from "./session/ask-to-allow";
import type { SessionAuditLog } from "./session/session-audit-log";
import { META_OUTPUT_SCHEMA, toolResult } from "./tool-result";

export interface KiwiMcpServerOptions {
  /** The kernel whose four meta-tools are served (anything with search, load, execute and help). */
  kernel: KernelMetaTools;
  /** Server name reported in `initialize` (default "kiwi"). */
  name?: string;
  /** Server version reported in `initialize` (default: this package's version). */
  version?: string;
  /**
   * Serve under a directive's permissions (`kernel.as(…)`): every call goes through the session. A call
   * it denies may ask the person, through the client's elicitation, to allow exactly that capability.
   */
  session?: KernelSession;
  /** Where allowed capabilities are recorded (the session's own calls are recorded by its `onCall`). */
  audit?: SessionAuditLog;
}

/** How many capabilities one call may ask the person for, one after another. */
const MAX_ASKS_PER_CALL = 3;

const INSTRUCTIONS = `Kiwi gives you four tools over a library of items: directives (workflows), tools and knowledge.
Search before acting: search(item_type, query) finds item ids; load reads one; execute runs it (a directive returns
its steps for you to follow, a tool runs, knowledge returns its text); help gives guidance. A failure comes back as
{success:false, error:{code, message}}: the message says what to fix.`;

interface MetaTool {
  name: keyof KernelMetaTools;
  title: string;
  description: string;
  shape: z.ZodRawShape;
  annotations: ToolAnnotations;
}

const TOOLS: readonly MetaTool[] = [
  {
    name: "search",
    title: "Search the Kiwi library",
    description:
      "Find directives, tools or knowledge by keywords. Call this first, before load or execute: it tells you which item ids exist, where they live and whether they are usable.",
    shape: searchInputShape,
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "load",
    title: "Load a Kiwi item",
    description:
      "Read one item found with search: a directive's steps and inputs, a tool's parameters, a knowledge entry's text. Load an unfamiliar item before executing it. With destination, copies the verified item into the project or user space.",
    shape: loadInputShape,
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  },
  {
    name: "execute",
    title: "Execute a Kiwi item",
    description:
      "Act on an item found with search. action=run: a directive returns its parsed steps for you to follow in order (nothing is run for you), a tool runs its chain with `parameters`, knowledge returns its content. action=sign/create/update/delete manage items (they need item.sign: without it they are refused, and the person reviews and signs changes at their own terminal). Failures return {success:false, error:{code, message}}; the message says what to fix.",
    shape: executeInputShape,
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  },
  {
    name: "help",
    title: "Kiwi help",
    description:
      "Guidance from the knowledge library: call with no topic for an overview of how to work with Kiwi, or with a topic. action=stuck/escalate/checkpoint signals whoever supervises your thread.",
    shape: helpInputShape,
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
];

type MetaInput = SearchInput & LoadInput & ExecuteInput & HelpInput;

/**
 * An MCP server exposing exactly Kiwi's four meta-tools over one kernel. Arguments are forwarded as
 * the client sent them and validated by the kernel; opaque metadata (`__auth`, `__thread_id`, …) is
 * never taken from MCP arguments, only a harness in the same process could pass it.
 */
export function createKiwiMcpServer(options: KiwiMcpServerOptions): McpServer {
  const { kernel, session } = options;
  const tools: KernelMetaTools = session ?? kernel;
  const server = new McpServer(
    { name: options.name ?? "kiwi", version: options.version ?? packageVersion },
    { instructions: INSTRUCTIONS },
  );
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: advertisedSchema(tool.shape),
        outputSchema: META_OUTPUT_SCHEMA,
        annotations: tool.annotations,
      },
      async (args, extra): Promise<CallToolResult> => {
        try {
          // The kernel parses the raw arguments with its own strict schema (INVALID_INPUT on failure).
          const run = () => tools[tool.name](args as MetaInput, { signal: extra.signal });
          let result = await run();
          for (let asked = 0; session && asked < MAX_ASKS_PER_CALL; asked++) {
            const grant = deniedGrant(result);
            // Only what the session could hold is asked about: never a system capability.
            if (!grant || !(await session.canGrant(grant))) break;
            const answer = await askToAllow(server.server, {
              grant,
              directive: session.directive,
              target: targetOf(args as Record<string, unknown>),
              signal: extra.signal,
            });
            if (answer.action === "unsupported") break;
            const recorded = { capability: grant.cap, scope: grant.scope ?? null, via: "elicitation" };
            if (answer.action !== "accept") {
              options.audit?.write("grant", { ...recorded, decision: answer.action });
              break;
            }
            try {
              await session.grant(answer.grant);
            } catch (error) {
              options.audit?.write("grant", {
                ...recorded,
                decision: "refused",
                reason: (error as Error).message,
              });
              break;
            }
            options.audit?.write("grant", { ...recorded, decision: "accept", jti: session.jti });
            result = await run();
          }
          return toolResult(result);
        } catch (error) {
          return toolResult(toToolFailure(error));
        }
      },
    );
  }
  return server;
}

function targetOf(args: Record<string, unknown>): string {
  return args.item_id === undefined
    ? String(args.item_type ?? "")
    : `${String(args.item_type)} ${String(args.item_id)}`;
}
