import { parseArgs } from "node:util";
import { serveStdio } from "@kiwi/mcp";
import { UsageError } from "../cli-error";
import type { Io } from "../io";

/** kiwi serve --project <path>: the MCP server over stdio. The project is never guessed from the cwd. */
export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { project: { type: "string", short: "p" }, "user-space": { type: "string" } },
  });
  const project = values.project ?? io.env.KIWI_PROJECT;
  if (!project) {
    throw new UsageError(
      "kiwi serve needs --project /path/to/project (or KIWI_PROJECT): the MCP server never guesses the project from the working directory",
    );
  }
  await serveStdio({ projectRoot: project, userSpace: values["user-space"], env: io.env });
  return new Promise<number>(() => {}); // runs until the client disconnects; serveStdio exits the process
}
