import { KiwiError } from "@kiwi/spec";
import { EXIT, UsageError } from "./cli-error";
import { connectCommand } from "./commands/connect-command";
import { demoCommand } from "./commands/demo-command";
import { initCommand } from "./commands/init-command";
import { loadCommand, runCommand } from "./commands/run-command";
import { searchCommand } from "./commands/search-command";
import { serveCommand } from "./commands/serve-command";
import { signCommand } from "./commands/sign-command";
import { threadCommand } from "./commands/thread-command";
import { threadsCommand } from "./commands/threads-command";
import { trustCommand } from "./commands/trust-command";
import { validateCommand } from "./commands/validate-command";
import { workerCommand } from "./commands/worker-command";
import { type Io, print, printError } from "./io";
import { withTelemetry } from "./telemetry/otlp-telemetry";

const USAGE = `kiwi <command> [options]

  init [--force]                    put the core .ai/ bundle into the project; create the user space and signing key
  serve --project <path> [--as d]   MCP server over stdio (search, load, execute, help), as directive d if given
  demo [--keep] [--scripted]        the kernel, the MCP server, then a directive on a managed thread (no key needed)
  connect <server command…|url> [--name n]   approve an MCP server and list the tools it generated
  search <type> [query…]            keyword search (type: directive, tool, knowledge)
  load <type> <id> [--to project|user]   read a verified item, or copy it between spaces
  run <type> <id> [--params JSON] [--as <directive>]   execute(…, run, …), as a directive if given
  sign <type> <id|glob> | sign agents    validate and sign with your key
  trust <public key file> | --list | --remove <key id>   the publisher keys this user space trusts
  validate [--all]                  list every item that is invalid, unsigned/modified/untrusted, or whose chain is broken
  validate <directive>              its spawn tree: worst-case spend and the capabilities it can ever hold
  thread run <directive> [message]  run a directive on a managed thread and follow it live
       [--inputs JSON] [--provider anthropic|openai] [--model id] [--harness id]   (Ctrl-C: stop gracefully; twice: kill)
       [--allow-unpriced]   run a max_cost_usd budget on a model without pricing data (its cost unknown)
       [--store <postgres-url> [--detach]]   queue it for kiwi workers (KIWI_STORE); --detach prints its id
  threads list|status|events|tail|pause|resume|inject|terminate|kill|export   the thread registry (kiwi threads help)
  worker --store <postgres-url> [--name id] [--concurrency n]   run queued threads (kiwi worker --help)

  Common options: --project <path> (default: KIWI_PROJECT or the current directory),
                  --user-space <path> (default: KIWI_USER_SPACE or ~/.ai), --json
  Exit codes: 0 ok, 1 the operation failed (error code printed), 2 bad command line.`;

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  init: initCommand,
  serve: serveCommand,
  demo: demoCommand,
  connect: connectCommand,
  search: searchCommand,
  load: loadCommand,
  run: runCommand,
  sign: signCommand,
  validate: validateCommand,
  trust: trustCommand,
  thread: threadCommand,
  threads: threadsCommand,
  worker: workerCommand,
};

/**
 * Commands that run threads or tools for a while: their OpenTelemetry spans are exported over OTLP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (`withTelemetry`), and flushed before the command returns.
 */
const TRACED = new Set(["thread", "threads", "run", "serve", "worker"]);

/** Runs the kiwi command line; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    print(io, USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    printError(io, `unknown command '${name}'\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return TRACED.has(name) ? await withTelemetry(io, () => command(rest, io)) : await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      printError(io, `kiwi ${name}: ${(error as Error).message}`);
      return EXIT.usage;
    }
    if (KiwiError.isInstance(error)) {
      printError(io, `error ${error.code}: ${error.message}`);
      return EXIT.failed;
    }
    printError(io, `kiwi ${name} failed: ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.failed;
  }
}
