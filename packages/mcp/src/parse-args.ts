import { resolve } from "node:path";
import { parseArgs } from "node:util";

export const USAGE = `Usage: kiwi-mcp --project /path/to/project [--user-space /path/to/user/.ai] [--as <directive>]

Serves Kiwi's four meta-tools (search, load, execute, help) over stdio to an MCP client.
  --project <path>      the project to serve (or env KIWI_PROJECT); never guessed from the working directory
  --user-space <path>   the user space holding your signing key (or env KIWI_USER_SPACE; default ~/.ai)
  --as <directive>      act under the directive's permissions: tools it grants run, every call is recorded
                        in .ai/sessions/, a denied call may ask you (MCP elicitation) to allow it
  --help                print this help
  --version             print the version`;

export const MISSING_PROJECT =
  "kiwi-mcp needs --project /path/to/project (the project is never guessed from the working directory)";

export type CliCommand =
  | { kind: "serve"; projectRoot: string; userSpace?: string; as?: string }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "usage-error"; message: string };

/**
 * Reads the command line. The project comes from `--project`, else KIWI_PROJECT; a relative path is
 * resolved against `cwd`, but an absent one is an error: the working directory is never used silently.
 */
export function parseCliArgs(options: {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}): CliCommand {
  let values: { project?: string; "user-space"?: string; as?: string; help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...options.argv],
      options: {
        project: { type: "string" },
        "user-space": { type: "string" },
        as: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: "usage-error", message: `kiwi-mcp: ${(error as Error).message}\n\n${USAGE}` };
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const project = values.project ?? options.env.KIWI_PROJECT;
  if (!project?.trim()) return { kind: "usage-error", message: `${MISSING_PROJECT}\n\n${USAGE}` };
  const userSpace = values["user-space"];
  if (userSpace !== undefined && !userSpace.trim()) {
    return { kind: "usage-error", message: "kiwi-mcp: --user-space needs a path" };
  }
  if (values.as !== undefined && !values.as.trim()) {
    return { kind: "usage-error", message: "kiwi-mcp: --as needs a directive id" };
  }
  return {
    kind: "serve",
    projectRoot: resolve(options.cwd, project),
    ...(userSpace !== undefined ? { userSpace: resolve(options.cwd, userSpace) } : {}),
    ...(values.as !== undefined ? { as: values.as } : {}),
  };
}
