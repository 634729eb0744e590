import { parseCliArgs, serveStdio } from "@kiwi/mcp";
import { version } from "../../package.json";
import { EXIT, UsageError } from "../cli-error";
import { type Io, print } from "../io";

/** kiwi serve --project <path>: the MCP server over stdio. The project is never guessed from the cwd. */
export async function serveCommand(args: string[], io: Io): Promise<number> {
  const command = parseCliArgs({ argv: args, env: io.env, cwd: io.cwd });
  if (command.kind === "usage-error")
    throw new UsageError(command.message.replace(/^kiwi-mcp/, "kiwi serve"));
  if (command.kind === "version") {
    print(io, version);
    return EXIT.ok;
  }
  if (command.kind === "help") {
    print(io, "kiwi serve --project <path> [--user-space <path>]: the MCP server over stdio");
    return EXIT.ok;
  }
  const handle = await serveStdio({
    projectRoot: command.projectRoot,
    userSpace: command.userSpace,
    env: io.env,
  });
  await handle.closed;
  return EXIT.ok;
}
