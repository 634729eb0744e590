import type { Readable, Writable } from "node:stream";
import type { Kernel, KernelOptions } from "@kiwi/kernel";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpKernel } from "./create-mcp-kernel";
import { createKiwiMcpServer } from "./create-server";

export interface ServeStdioOptions extends KernelOptions {
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
}

export interface StdioServerHandle {
  readonly kernel: Kernel;
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
    ...kernelOptions
  } = options;
  const kernel = await createMcpKernel(kernelOptions);
  const server = createKiwiMcpServer({ kernel, name, version });
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
  log(`serving ${kernel.projectRoot} (user space ${kernel.userSpace}) over stdio`);
  return { kernel, server, closed, close };
}
