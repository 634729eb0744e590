import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { serveStdio } from "@kiwi/mcp";
import { version } from "../../package.json";
import { EXIT, UsageError } from "../cli-error";
import { type Io, print } from "../io";

const USAGE = `kiwi serve --project <path> [--user-space <path>] [--as <directive>]: the MCP server over stdio
  --as <directive>   act under the directive's permissions: the tools it grants run, every call is recorded
                     in <project>/.ai/sessions/<session>.jsonl, a denied call may ask you (MCP elicitation)`;

/**
 * kiwi serve --project <path>: the MCP server over stdio. Unlike the terminal commands, the project is
 * never taken from the working directory: an MCP client starts the server from anywhere.
 */
export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      project: { type: "string", short: "p" },
      "user-space": { type: "string" },
      as: { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    print(io, USAGE);
    return EXIT.ok;
  }
  if (values.version) {
    print(io, version);
    return EXIT.ok;
  }
  const project = values.project ?? io.env.KIWI_PROJECT;
  if (!project?.trim())
    throw new UsageError(
      `kiwi serve needs --project /path/to/project or KIWI_PROJECT (the project is never guessed from the working directory)\n\n${USAGE}`,
    );
  const userSpace = values["user-space"];
  if (userSpace !== undefined && !userSpace.trim())
    throw new UsageError("kiwi serve: --user-space needs a path");
  if (values.as !== undefined && !values.as.trim())
    throw new UsageError("kiwi serve: --as needs a directive id");
  const handle = await serveStdio({
    projectRoot: resolve(io.cwd, project),
    ...(userSpace !== undefined ? { userSpace: resolve(io.cwd, userSpace) } : {}),
    env: io.env,
    ...(values.as !== undefined ? { as: values.as } : {}),
  });
  await handle.closed;
  return EXIT.ok;
}
