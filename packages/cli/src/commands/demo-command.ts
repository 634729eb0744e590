import { appendFile, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createKernel, type MetaResult } from "@kiwi/kernel";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { EXIT } from "../cli-error";
import { type Io, print } from "../io";

function step(io: Io, n: number, title: string) {
  print(io);
  print(io, `${n}. ${title}`);
}

function show(io: Io, label: string, value: unknown) {
  print(io, `   ${label.padEnd(10)} ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

function must(result: MetaResult): Record<string, unknown> {
  if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result;
}

/**
 * kiwi demo: the kernel against the bundled core bundle, in a temporary project and user space. Shows
 * search, a directive's instructions, a three-deep tool chain, guidance, a verified copy, a refused
 * tampered item, re-signing, and the same library through the MCP server with the official client.
 */
export async function demoCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { keep: { type: "boolean", default: false } } });
  const project = await realpath(await mkdtemp(join(tmpdir(), "kiwi-demo-project-")));
  const userSpace = await realpath(await mkdtemp(join(tmpdir(), "kiwi-demo-user-")));
  try {
    const kernel = await createKernel({ projectRoot: project, userSpace, env: io.env });
    const key = await kernel.signingKey();
    const core = kernel.spaces.find((s) => s.kind === "core");
    print(io, "Kiwi demo: the kernel and the MCP server against the bundled core (.ai/)");
    show(io, "project", `${project} (temporary)`);
    show(io, "user", `${userSpace} (temporary; your signing key ${key.keyId} was created here)`);
    show(io, "core", core?.root ?? "(no bundled core found: build @kiwi/kernel)");

    step(io, 1, 'search(item_type="directive", query="greet someone")');
    const found = must(await kernel.search({ item_type: "directive", query: "greet someone" }));
    for (const hit of (
      found.results as { id: string; space: string; category: string; score: number }[]
    ).slice(0, 3)) {
      show(io, "found", `${hit.id} (${hit.space}, ${hit.category}) score ${hit.score}`);
    }

    step(io, 2, 'execute(directive, run, "hello_kiwi", {name: "Ada"}): instructions, nothing spawned');
    const directive = must(
      await kernel.execute({
        item_type: "directive",
        action: "run",
        item_id: "hello_kiwi",
        parameters: { name: "Ada" },
      }),
    );
    show(io, "steps", (directive.process as { name: string }[]).map((s) => s.name).join(" → "));
    show(io, "inputs", directive.provided_inputs);
    show(io, "core", `${String(directive.core)} (bundled and signed by the core key)`);
    show(io, "spawnable", directive.can_spawn_thread);

    step(io, 3, 'execute(tool, run, "greet_team", {who: "Ada", members: [...]})');
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

    step(io, 4, 'help(action="guidance", topic="permissions")');
    const guidance = must(await kernel.help({ action: "guidance", topic: "permissions" }));
    const answer = (guidance.answers as { id: string; content: string }[])[0];
    show(io, "answer", `${answer?.id}: ${answer?.content.split("\n")[0]?.slice(0, 90)}…`);

    step(io, 5, 'load(tool, "greet", destination="project"): a verified copy');
    const copy = must(await kernel.load({ item_type: "tool", item_id: "greet", destination: "project" }));
    show(io, "copied", copy.path);

    step(io, 6, "tamper with the project copy, then run it");
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
      await kernel.execute({
        item_type: "tool",
        action: "run",
        item_id: "greet",
        parameters: { who: "Ada" },
      }),
    );
    show(
      io,
      "re-signed",
      `with ${key.keyId}; runs again: ${JSON.stringify((again.result as { config: unknown }).config)}`,
    );

    step(io, 7, `kiwi serve --project ${project}, driven by the official MCP client`);
    const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, "serve", "--project", project, "--user-space", userSpace],
      env: { ...(io.env as Record<string, string>) },
      stderr: "pipe",
    });
    const client = new Client({ name: "kiwi-demo", version: "1.0.0" });
    await client.connect(transport);
    try {
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
    } finally {
      await client.close();
    }
    print(io);
    print(io, "Done. Next: `kiwi serve --project <your project>` for Claude Desktop, Claude Code or Cursor.");
    return EXIT.ok;
  } finally {
    if (!values.keep) {
      await rm(project, { recursive: true, force: true });
      await rm(userSpace, { recursive: true, force: true });
    } else print(io, `kept ${project} and ${userSpace}`);
  }
}
