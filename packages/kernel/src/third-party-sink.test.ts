import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Grant, mintToken } from "@kiwi/capabilities";
import { describe, expect, it } from "vitest";
import { createKernel } from "./create-kernel";
import { createItem, fixture, ok, toolYaml, writeRaw } from "./test-support/fixture";

const FIXTURE = fileURLToPath(new URL("../../../fixtures/third-party-sink", import.meta.url));

describe("a third-party sink package", () => {
  it("is discovered from its YAML and receives a real subprocess's output, with no Kiwi code naming it", async () => {
    // The publisher signs the package's definition with its key; the project trusts that key.
    const publisher = await fixture();
    // Signing pins the package by name@version, so the publisher has it installed too.
    await cp(FIXTURE, join(publisher.projectRoot, "node_modules/kiwi-sink-thirdparty"), { recursive: true });
    const yaml = await readFile(join(FIXTURE, ".ai/tools/sinks/shouting_sink.yaml"), "utf8");
    await createItem(publisher, "tool", "shouting_sink", yaml, { category: "sinks" });
    const signed = await readFile(join(publisher.projectRoot, ".ai/tools/sinks/shouting_sink.yaml"));
    const publisherKey = await publisher.kernel.signingKey();

    const app = await fixture();
    const pkgDir = join(app.projectRoot, "node_modules/kiwi-sink-thirdparty");
    await cp(FIXTURE, pkgDir, { recursive: true });
    await writeFile(join(pkgDir, ".ai/tools/sinks/shouting_sink.yaml"), signed);
    await writeRaw(
      app.projectRoot,
      "package.json",
      JSON.stringify({ name: "app", dependencies: { "kiwi-sink-thirdparty": "1.0.0" } }),
    );
    const kernel = await createKernel({
      personAtTerminal: true,
      projectRoot: app.projectRoot,
      userSpace: app.userSpace,
      coreSpace: false,
      indexTtlMs: 0,
      trustedKeys: [{ pem: publisherKey.publicKeyPem, origin: "publisher" }],
    });
    expect(kernel.spaces.map((s) => s.name)).toContain("plugin:kiwi-sink-thirdparty");
    await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "say",
      parameters: {
        content: toolYaml({
          id: "say",
          executor: "subprocess",
          params: "  - name: text\n    type: string\n    required: true",
          config:
            '  command: printf\n  args: ["%s\\\\nsecond line\\\\n", "{text}"]\n  stream:\n    destinations:\n      - type: shouting_sink\n        path: shout.log\n',
        }),
      },
    });
    // A subprocess tool whose sink writes a file: process.exec and fs.write for that file, whatever
    // `say` (requires: none) and the sink (requires: none) declare.
    const run = (meta: Record<string, unknown>) =>
      kernel.execute(
        { item_type: "tool", action: "run", item_id: "say", parameters: { text: "hello sink" } },
        { meta },
      );
    expect(await run({})).toMatchObject({ success: false, error: { code: "TOKEN_INVALID" } });
    const grants: Grant[] = [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "say" },
      { cap: "process.exec" },
    ];
    const key = await kernel.signingKey();
    const meta = async (extra: Grant[]) => ({
      __auth: (await mintToken({ key, grants: [...grants, ...extra], directiveId: "d", threadId: "t" }))
        .token,
      __thread_id: "t",
    });
    expect(await run(await meta([{ cap: "fs.write", scope: "out/**" }]))).toMatchObject({
      success: false,
      error: { code: "CAPABILITY_DENIED", required: "fs.write shout.log" },
    });
    const r = ok(await run(await meta([{ cap: "fs.write", scope: "shout.log" }])));
    expect((r.result as { stdout: string }).stdout).toBe("hello sink\nsecond line\n");
    expect(await readFile(join(app.projectRoot, "shout.log"), "utf8")).toBe(
      "stdout:HELLO SINK\nstdout:SECOND LINE\nCLOSED\n",
    );
  });
});
