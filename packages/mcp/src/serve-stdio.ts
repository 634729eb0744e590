import type { Readable, Writable } from "node:stream";
import type { Kernel, KernelOptions, KernelSession } from "@kiwi/kernel";
import { createRedactor } from "@kiwi/sinks";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpKernel } from "./create-mcp-kernel";
import { createKiwiMcpServer } from "./create-server";
import { SessionAuditLog } from "./session/session-audit-log";

/**
 * Kernel options of the served kernel. There is no `personAtTerminal`: an MCP client is never the person
 * at their own terminal, so its item writes need `item.sign` like any other caller's.
 */
export interface ServeStdioOptions extends Omit<KernelOptions, "personAtTerminal"> {
  /** Server name reported in `initialize` (default "kiwi"). */
  name?: string;
  /** Server version reported in `initialize` (default: this package's version). */
  version?: string;
  /** Where protocol messages are read from (default process.stdin). */
  stdin?: Readable;
  /** Where protocol messages are written (default process.stdout). Nothing else is ever written there. */
  stdout?: Writable;
  /** Diagnostics sink (default: one line on process.stderr). Never stdout: it carries the protocol. */
  log?: (message: string) => void;
  /** Close on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /**
   * Serve under this directive's permissions (`kiwi serve --as`): a session token minted inside the
   * server, an audit log of every call under `.ai/sessions/`, and elicitation for denied calls.
   */
  as?: string;
}

export interface StdioServerHandle {
  readonly kernel: Kernel;
  /** The session the server acts as (with `as`), and its audit log. */
  readonly session?: KernelSession;
  readonly audit?: SessionAuditLog;
  readonly server: McpServer;
  /** Settles once the server has closed (stdin ended, a signal, or `close()`). */
  readonly closed: Promise<void>;
  /** Closes the server and releases stdin and the signal handlers. Safe to call twice. */
  close(): Promise<void>;
}

function stderrLog(message: string): void {
  process.stderr.write(`kiwi-mcp: ${message}\n`);
}

/**
 * Creates a kernel for the given project and serves its four meta-tools over stdio. Resolves once the
 * server is connected. The server closes when stdin ends (the client went away) or on SIGTERM/SIGINT.
 */
export async function serveStdio(options: ServeStdioOptions): Promise<StdioServerHandle> {
  const {
    name,
    version,
    stdin = process.stdin,
    stdout = process.stdout,
    log = stderrLog,
    handleSignals = true,
    as,
    ...kernelOptions
  } = options;
  const kernel = await createMcpKernel({ ...kernelOptions, personAtTerminal: false });
  let audit: SessionAuditLog | undefined;
  const session = as
    ? await kernel.as(as, { onCall: (record) => audit?.write("call", { ...record, session: undefined }) })
    : undefined;
  if (session) {
    audit = SessionAuditLog.open(kernel.projectRoot, session.id, { redact: createRedactor(kernel.secrets) });
    audit.write("session_started", {
      session: session.id,
      directive: session.directive,
      jti: session.jti,
      grants: session.grants,
      dropped: session.dropped,
    });
  }
  const server = createKiwiMcpServer({ kernel, name, version, session, audit });
  const transport = new StdioServerTransport(stdin, stdout);
  transport.onerror = (error) => log(`transport error: ${error.message}`);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: shutting down`);
    void close();
  };
  const onInputEnd = () => void close();
  function detach() {
    stdin.off("end", onInputEnd);
    stdin.off("close", onInputEnd);
    if (handleSignals) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
  }
  async function shutDown(): Promise<void> {
    detach();
    try {
      await server.close();
    } catch (error) {
      log(`error while closing: ${(error as Error).message}`);
    } finally {
      audit?.close();
      resolveClosed();
    }
  }
  function close(): Promise<void> {
    // Closing the server closes the transport, whose onclose calls back here: run the shutdown once.
    if (!closing) {
      let start!: () => void;
      closing = new Promise<void>((resolve) => {
        start = resolve;
      }).then(shutDown);
      start();
    }
    return closing;
  }
  server.server.onclose = () => void close();

  stdin.on("end", onInputEnd);
  stdin.on("close", onInputEnd);
  if (handleSignals) {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  }
  try {
    await server.connect(transport);
  } catch (error) {
    detach();
    throw error;
  }
  log(
    session
      ? `serving ${kernel.projectRoot} as ${session.directive} (session ${session.id}, audit log ${audit?.path}) over stdio`
      : `serving ${kernel.projectRoot} (user space ${kernel.userSpace}) over stdio`,
  );
  return { kernel, server, closed, close, ...(session ? { session, audit } : {}) };
}
