// Issue 13 §2: system capabilities at run time. Only signing refused a non-core directive that grants
// them (DIRECTIVE_SYSTEM_CAP), so a directive signed by a key the person trusts (a publisher's) reached a
// thread with registry.read and read the whole registry. The token minter now drops every system
// capability of a directive that is not core by location and signer.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createKernel } from "@kiwi/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
let projectRoot: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (projectRoot) await rm(projectRoot, { recursive: true, force: true });
  projectRoot = undefined;
});

describe("minting: system capabilities only for core directives", () => {
  it("a publisher-signed directive granting registry.read gets a token without it", async () => {
    projectRoot = await createTestProject();
    // The publisher's own tooling signed it (no DIRECTIVE_SYSTEM_CAP check on their side).
    const publisher = await createKernel({
      projectRoot,
      userSpace: join(projectRoot, ".publisher"),
      pluginSpaces: false,
      indexTtlMs: 0,
      allowSystemCaps: true,
      personAtTerminal: true,
    });
    const created = await publisher.execute({
      item_type: "directive",
      action: "create",
      item_id: "registry_peek",
      parameters: {
        content: threadDirectiveFile({
          name: "registry_peek",
          permissions: `
            <execute resource="kiwi-mcp" action="*"/>
            <execute resource="tool" id="thread_registry"/>
            <execute resource="registry" action="read"/>`,
        }),
      },
    });
    expect(created.success).toBe(true);
    // The person trusts the publisher's key.
    const trusted = join(projectRoot, ".user/keys/trusted");
    await mkdir(trusted, { recursive: true });
    await writeFile(join(trusted, "publisher.pub"), (await publisher.signingKey()).publicKeyPem);

    world = await runtimeWorld({
      projectRoot,
      script: {
        turns: [
          call("execute", {
            item_type: "tool",
            action: "run",
            item_id: "thread_registry",
            parameters: { action: "query" },
          }),
          { text: "done" },
        ],
      },
    });
    world.runtime.manager.registry.register({ threadId: "victim", directive: "secret_plan", pid: null });
    const t = await world.runtime.spawn({ directive: "registry_peek" });
    await world.runtime.manager.wait(t.thread_id, { timeoutMs: 15_000 });
    const seen = world.events.get(t.thread_id) ?? [];
    expect(seen.find((e) => e.type === "directive_loaded")).toMatchObject({ core: false });
    expect(seen.find((e) => e.type === "token_minted")).toMatchObject({ system_dropped: ["registry.read"] });
    expect(seen.filter((e) => e.type === "tool_result")[0]).toMatchObject({
      success: false,
      error_code: "CAPABILITY_DENIED",
    });
    expect(JSON.stringify(world.fake.requests.map((r) => r.body))).not.toContain("secret_plan");
  }, 30_000);
});
