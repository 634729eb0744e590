import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, type Kernel, type MetaResult } from "@kiwi/kernel";
import { fromToolFailure } from "@kiwi/spec";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type Io, print } from "../io";

type Env = Readonly<Record<string, string | undefined>>;

export function show(io: Io, label: string, value: unknown) {
  print(io, `   ${label.padEnd(10)} ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

function must(result: MetaResult): Record<string, unknown> {
  if (!result.success) throw fromToolFailure(result);
  return result;
}

/**
 * Part one of `kiwi demo`, no model involved: the kernel on the bundled core (search, a three-deep tool
 * chain, a tampered copy refused and re-signed), then the same library through `kiwi serve` driven by
 * the official MCP client. `bin` is the kiwi executable the MCP step starts.
 */
export async function runKernelTour(options: {
  io: Io;
  project: string;
  userSpace: string;
  env: Env;
  step: (title: string) => void;
  bin?: string;
}): Promise<void> {
  const kernel = await createKernel({
    projectRoot: options.project,
    userSpace: options.userSpace,
    env: options.env,
    personAtTerminal: true,
  });
  // The server starts now, in parallel with the first steps (starting Node and a kernel takes a moment).
  // createKernel has already made the user's key, so the server finds it instead of racing to create one.
  const mcp = connectMcp(options);
  try {
    await tourSteps(options, kernel, mcp);
  } finally {
    await (await mcp.catch(() => undefined))?.close();
  }
}

async function tourSteps(
  options: { io: Io; project: string; userSpace: string; step: (title: string) => void },
  kernel: Kernel,
  mcp: Promise<Client>,
): Promise<void> {
  const { io, project, userSpace, step } = options;
  const key = await kernel.signingKey();
  const core = kernel.spaces.find((s) => s.kind === "core");
  show(io, "project", `${project} (temporary)`);
  show(io, "user", `${userSpace} (temporary; your signing key ${key.keyId} was created here)`);
  show(io, "core", core?.root ?? "(no bundled core found: build @kiwi/kernel)");

  step('search(tool, "greet"), then execute(tool, run, "greet_team"): a three-deep chain, no model');
  const found = must(await kernel.search({ item_type: "tool", query: "greet", limit: 3 }));
  const hits = found.results as { id: string; space: string }[];
  show(io, "found", hits.map((h) => `${h.id} (${h.space})`).join(", "));
  const tool = must(
    await kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "greet_team",
      parameters: { who: "Ada", members: ["Grace", "Linus"] },
    }),
  );
  show(io, "chain", (tool.chain as string[]).join(" → "));
  show(io, "config", (tool.result as { config: unknown }).config);

  step("signatures: copy greet into the project, edit it by hand, run it");
  must(await kernel.load({ item_type: "tool", item_id: "greet", destination: "project" }));
  await appendFile(join(project, ".ai/tools/examples/greet.yaml"), "# an unsigned edit\n");
  const refused = await kernel.execute({
    item_type: "tool",
    action: "run",
    item_id: "greet",
    parameters: { who: "Ada" },
  });
  show(
    io,
    "refused",
    refused.success ? "(unexpectedly ran)" : `${refused.error.code} (${String(refused.error.reason)})`,
  );
  must(await kernel.execute({ item_type: "tool", action: "sign", item_id: "greet" }));
  const again = must(
    await kernel.execute({ item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } }),
  );
  show(
    io,
    "re-signed",
    `with ${key.keyId}; runs again: ${JSON.stringify((again.result as { config: unknown }).config)}`,
  );

  step(`kiwi serve --project ${project}, driven by the official MCP client`);
  const client = await mcp;
  const { tools } = await client.listTools();
  show(
    io,
    "tools",
    tools
      .map((t) => t.name)
      .sort()
      .join(", "),
  );
  const call = await client.callTool({
    name: "execute",
    arguments: {
      item_type: "tool",
      action: "run",
      item_id: "greet",
      parameters: { who: "MCP", punctuation: "." },
    },
  });
  const text = (call.content as { type: string; text: string }[])[0]?.text ?? "{}";
  const body = JSON.parse(text) as { result?: { config?: { greeting?: string } } };
  show(io, "result", body.result?.config?.greeting ?? text);
}

/** Starts `kiwi serve` on the project and connects the official MCP client to it over stdio. */
async function connectMcp(options: {
  project: string;
  userSpace: string;
  env: Env;
  bin?: string;
}): Promise<Client> {
  const bin = options.bin ?? fileURLToPath(new URL("./bin.js", import.meta.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, "serve", "--project", options.project, "--user-space", options.userSpace],
    env: { ...(options.env as Record<string, string>) },
    stderr: "pipe",
  });
  const client = new Client({ name: "kiwi-demo", version: "1.0.0" });
  await client.connect(transport);
  return client;
}
