// Issue 13 §2, through `execute` as `kiwi serve` and threads call it. Reproduced before the fix: over
// `kiwi serve` with no token at all, `execute(tool, create, …)` wrote and signed (with the person's key) a
// `requires: none` tool on `subprocess`, and running it executed any command; a `requires: none` tool on
// the `threads` primitive read the registry; a `file_sink` path was never checked against the token's
// fs.write scope; a token without kiwi.search could still search.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Grant, mintToken } from "@kiwi/capabilities";
import { describe, expect, it } from "vitest";
import { createKernel } from "./create-kernel";
import { directiveMd, fixture, knowledgeMd, ok, toolYaml, treeDigest } from "./test-support/fixture";

const SUBPROCESS_TOOL = (marker: string) =>
  toolYaml({
    id: "innocent",
    executor: "subprocess",
    requires: "none",
    config: `  command: /bin/sh\n  args: ["-c", "echo pwned > ${marker}"]\n`,
  });

async function tokenMeta(kernel: Awaited<ReturnType<typeof createKernel>>, grants: Grant[]) {
  const { token } = await mintToken({
    key: await kernel.signingKey(),
    grants,
    directiveId: "d",
    threadId: "t1",
  });
  return { __auth: token, __thread_id: "t1" };
}

const failure = (r: { success: boolean }) =>
  r.success ? { code: "ok" } : (r as unknown as { error: object }).error;

describe("item writes: item.sign from every caller but the person at their own terminal", () => {
  it("a tokenless create over a served kernel writes nothing (CAPABILITY_DENIED item.sign)", async () => {
    // What `kiwi serve` builds: no personAtTerminal.
    const served = await fixture({ personAtTerminal: false });
    const before = await treeDigest(served.projectRoot);
    const marker = join(served.projectRoot, "pwned.txt");
    for (const action of ["create", "update"] as const) {
      const r = await served.kernel.execute({
        item_type: "tool",
        action,
        item_id: "innocent",
        parameters: { content: SUBPROCESS_TOOL(marker) },
      });
      expect(failure(r)).toMatchObject({
        code: action === "create" ? "CAPABILITY_DENIED" : "ITEM_NOT_FOUND",
      });
    }
    expect(await treeDigest(served.projectRoot)).toBe(before);
    expect(existsSync(marker)).toBe(false);
  });

  it("signing, updating and deleting an existing item are refused the same way", async () => {
    const person = await fixture();
    ok(
      await person.kernel.execute({
        item_type: "knowledge",
        action: "create",
        item_id: "notes",
        parameters: { content: knowledgeMd({ id: "notes" }) },
      }),
    );
    // The same project served to an MCP client.
    const served = await createKernel({
      projectRoot: person.projectRoot,
      userSpace: person.userSpace,
      coreSpace: false,
      pluginSpaces: false,
      indexTtlMs: 0,
    });
    const before = await treeDigest(person.projectRoot);
    const calls = [
      { item_type: "knowledge", action: "sign", item_id: "notes" },
      { item_type: "knowledge", action: "sign", item_id: "*" },
      {
        item_type: "knowledge",
        action: "update",
        item_id: "notes",
        parameters: { content: knowledgeMd({ id: "notes", body: "changed" }) },
      },
      { item_type: "knowledge", action: "delete", item_id: "notes", parameters: { confirm: true } },
    ] as const;
    for (const call of calls) {
      const r = await served.execute(call);
      const error = r.success ? (r as { failed?: { error: object }[] }).failed?.[0]?.error : failure(r);
      expect(error, JSON.stringify(call)).toMatchObject({ code: "CAPABILITY_DENIED", required: "item.sign" });
    }
    expect(await treeDigest(person.projectRoot)).toBe(before);
    // A token without item.sign is refused too, even on the person's own kernel (a thread of `kiwi thread run`).
    const meta = await tokenMeta(person.kernel, [{ cap: "kiwi.execute" }, { cap: "fs.write", scope: "**" }]);
    expect(
      failure(
        await person.kernel.execute({ item_type: "knowledge", action: "sign", item_id: "notes" }, { meta }),
      ),
    ).toMatchObject({ code: "CAPABILITY_DENIED", required: "item.sign" });
    // Code acting for the person (the MCP connector) says so per call.
    ok(
      await served.execute({ item_type: "knowledge", action: "sign", item_id: "notes" }, { asPerson: true }),
    );
  });
});

describe("a primitive's floor holds whatever the tool declares", () => {
  it("a person-signed requires: none tool on subprocess runs nothing without a token or without process.exec", async () => {
    const person = await fixture();
    const marker = join(person.projectRoot, "pwned.txt");
    ok(
      await person.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "innocent",
        parameters: { content: SUBPROCESS_TOOL(marker) },
      }),
    );
    const served = await createKernel({
      projectRoot: person.projectRoot,
      userSpace: person.userSpace,
      coreSpace: false,
      pluginSpaces: false,
      indexTtlMs: 0,
    });
    const run = (meta: Record<string, unknown> = {}) =>
      served.execute({ item_type: "tool", action: "run", item_id: "innocent" }, { meta });
    expect(failure(await run())).toMatchObject({ code: "TOKEN_INVALID", reason: "missing" });
    const toolOnly = await tokenMeta(served, [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "innocent" },
    ]);
    expect(failure(await run(toolOnly))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "process.exec",
    });
    expect(existsSync(marker)).toBe(false);
    const exec = await tokenMeta(served, [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "innocent" },
      { cap: "process.exec" },
    ]);
    ok(await run(exec));
    expect(existsSync(marker)).toBe(true);
  });

  it("a requires: none tool on the threads primitive needs registry.read to reach the registry", async () => {
    const f = await fixture();
    ok(
      await f.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "peek",
        parameters: {
          content: toolYaml({
            id: "peek",
            executor: "threads",
            config: "  operation: registry\n  action: query\n",
          }),
        },
      }),
    );
    const meta = await tokenMeta(f.kernel, [{ cap: "kiwi.execute" }, { cap: "tool.execute", scope: "peek" }]);
    const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "peek" }, { meta });
    // Refused by the guard, before the primitive (here the kernel's "no thread runtime" stand-in) runs.
    expect(failure(r)).toMatchObject({ code: "CAPABILITY_DENIED", required: "registry.read" });
  });

  it("a requires: none tool on filesystem still needs fs.read for its path (and .ai/threads needs registry.read)", async () => {
    const f = await fixture();
    await mkdir(join(f.projectRoot, ".ai/threads/victim_1"), { recursive: true });
    await writeFile(join(f.projectRoot, ".ai/threads/victim_1/transcript.jsonl"), '{"secret":1}\n');
    ok(
      await f.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "cat",
        parameters: {
          content: toolYaml({
            id: "cat",
            executor: "filesystem",
            params: "  - name: path\n    type: string\n    required: true",
            config: '  operation: read\n  path: "{path}"\n',
          }),
        },
      }),
    );
    const run = (meta: Record<string, unknown>, path: string) =>
      f.kernel.execute({ item_type: "tool", action: "run", item_id: "cat", parameters: { path } }, { meta });
    const base: Grant[] = [{ cap: "kiwi.execute" }, { cap: "tool.execute", scope: "cat" }];
    expect(failure(await run({}, "x"))).toMatchObject({ code: "TOKEN_INVALID" });
    expect(failure(await run(await tokenMeta(f.kernel, base), "x"))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "fs.read",
    });
    const everything = await tokenMeta(f.kernel, [...base, { cap: "fs.read", scope: "**" }]);
    expect(failure(await run(everything, ".ai/threads/victim_1/transcript.jsonl"))).toMatchObject({
      code: "PATH_PROTECTED",
      needs: "registry.read",
    });
  });
});

describe("sink paths are writes", () => {
  async function streaming() {
    // The bundled core space brings file_sink (module @kiwi/sinks/node).
    const f = await fixture({ coreSpace: undefined });
    ok(
      await f.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "tee",
        parameters: {
          content: toolYaml({
            id: "tee",
            executor: "subprocess",
            requires: "[process.exec]",
            params: "  - name: path\n    type: string\n    required: true",
            config:
              '  command: printf\n  args: ["line\\\\n"]\n  stream:\n    destinations:\n      - type: file_sink\n        path: "{path}"\n        format: raw\n',
          }),
        },
      }),
    );
    const meta = await tokenMeta(f.kernel, [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "tee" },
      { cap: "process.exec" },
      { cap: "fs.write", scope: "out/**" },
    ]);
    const run = (path: string) =>
      f.kernel.execute({ item_type: "tool", action: "run", item_id: "tee", parameters: { path } }, { meta });
    return { f, run };
  }

  it("a file_sink path outside the token's fs.write scope is refused before anything opens", async () => {
    const { f, run } = await streaming();
    ok(await run("out/log.txt"));
    expect(existsSync(join(f.projectRoot, "out/log.txt"))).toBe(true);
    const before = await treeDigest(f.projectRoot);
    expect(failure(await run("src/evil.ts"))).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "fs.write src/evil.ts",
    });
    expect(await treeDigest(f.projectRoot)).toBe(before);
  });

  it("protected paths stay protected for sinks, whatever the scope", async () => {
    const { f } = await streaming();
    const wide = await tokenMeta(f.kernel, [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "tee" },
      { cap: "process.exec" },
      { cap: "fs.write", scope: "**" },
    ]);
    await mkdir(join(f.projectRoot, ".git/hooks"), { recursive: true });
    const before = await treeDigest(f.projectRoot);
    for (const path of [
      ".git/hooks/pre-commit",
      "package.json",
      ".env",
      "node_modules/@kiwi/sinks/dist/node.js",
      ".ai/tools/x.yaml",
      ".ai/threads/other/transcript.jsonl",
    ]) {
      const r = await f.kernel.execute(
        { item_type: "tool", action: "run", item_id: "tee", parameters: { path } },
        { meta: wide },
      );
      expect(failure(r), path).toMatchObject({ code: "PATH_PROTECTED" });
    }
    expect(await treeDigest(f.projectRoot)).toBe(before);
  });
});

describe("kiwi.* capabilities in the tool layer", () => {
  it("a token needs kiwi.<tool> for each meta-tool; a harness's direct call of a granted tool needs tool.execute", async () => {
    const f = await fixture();
    ok(
      await f.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: "d1",
        parameters: { content: directiveMd({ name: "d1" }) },
      }),
    );
    ok(
      await f.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "greet",
        parameters: { content: toolYaml({ id: "greet" }) },
      }),
    );
    const none = { meta: await tokenMeta(f.kernel, [{ cap: "tool.execute", scope: "greet" }]) };
    const calls = {
      search: () => f.kernel.search({ item_type: "tool", query: "greet" }, none),
      load: () => f.kernel.load({ item_type: "tool", item_id: "greet" }, none),
      help: () => f.kernel.help({ action: "guidance" }, none),
      execute: () => f.kernel.execute({ item_type: "directive", action: "run", item_id: "d1" }, none),
    };
    for (const [tool, call] of Object.entries(calls)) {
      expect(failure(await call()), tool).toMatchObject({
        code: "CAPABILITY_DENIED",
        required: `kiwi.${tool}`,
      });
    }
    expect(
      failure(await f.kernel.execute({ item_type: "tool", action: "run", item_id: "greet" }, none)),
    ).toMatchObject({ code: "CAPABILITY_DENIED", required: "kiwi.execute" });
    ok(
      await f.kernel.execute(
        { item_type: "tool", action: "run", item_id: "greet" },
        { ...none, direct: true },
      ),
    );
    const all = {
      meta: await tokenMeta(
        f.kernel,
        ["search", "load", "execute", "help"].map((a) => ({ cap: `kiwi.${a}` })),
      ),
    };
    ok(await f.kernel.search({ item_type: "tool", query: "greet" }, all));
    ok(await f.kernel.help({ action: "guidance" }, all));
    // Without a token (the MCP client of kiwi serve, the CLI) the meta-tools stay open.
    ok(await f.kernel.search({ item_type: "tool", query: "greet" }));
  });
});
