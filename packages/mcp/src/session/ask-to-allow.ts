import type { KernelSession } from "@kiwi/kernel";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";

/** A grant as a session takes it. */
export type Grant = Parameters<KernelSession["grant"]>[0];

/** What the person answered when a call of the session was denied. */
export type AllowAnswer =
  | { readonly action: "accept"; readonly grant: Grant }
  | { readonly action: "decline" | "cancel" | "unsupported" };

/** Whether the connected client answers form elicitations (MCP 2025-06-18 and later). */
export function canAsk(server: Server): boolean {
  return server.getClientCapabilities()?.elicitation?.form !== undefined;
}

/**
 * Asks the person, through the MCP client's elicitation, to allow exactly one capability and scope for
 * the rest of the session. Only an explicit `allow: true` is an accept; a client that cannot ask, a
 * decline, a cancel, an error or a timeout all leave the call denied.
 */
export async function askToAllow(
  server: Server,
  options: { grant: Grant; directive: string; target: string; signal?: AbortSignal },
): Promise<AllowAnswer> {
  if (!canAsk(server)) return { action: "unsupported" };
  const { grant, directive, target } = options;
  const what = grant.scope === undefined ? grant.cap : `${grant.cap} ${String(grant.scope)}`;
  try {
    const answer = await server.elicitInput(
      {
        mode: "form",
        message: `Kiwi: a call to ${target} needs ${what}, which the directive ${directive} does not grant. Allow exactly ${what} for the rest of this session?`,
        requestedSchema: {
          type: "object",
          properties: {
            allow: { type: "boolean", title: `Allow ${what} for this session`, default: false },
          },
          required: ["allow"],
        },
      },
      { signal: options.signal, timeout: 300_000 },
    );
    if (answer.action !== "accept") return { action: answer.action };
    return answer.content?.allow === true ? { action: "accept", grant } : { action: "decline" };
  } catch {
    return { action: "cancel" };
  }
}
