// A capability set shipped as data, public APIs only: the package is installed into a project (its items
// signed by a publisher key the user trusts), its capabilities join the kernel's registry, a directive's
// permissions turn into grants, and the tool layer lets a thread holding process.deploy_staging run deploy_staging
// while a thread without it gets CAPABILITY_DENIED.
import { fileURLToPath } from "node:url";
import { type Grant, mintToken, permissionsToGrants } from "@kiwi/capabilities";
import { createKernel, type Directive, type Kernel } from "@kiwi/kernel";
import { installSigned } from "@kiwi/testing/install";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

describe("the deploy capability set", () => {
  let kernel: Kernel;
  let remove: () => Promise<void>;

  beforeAll(async () => {
    const installed = await installSigned({ packageDir: PACKAGE_DIR, createKernel });
    remove = installed.remove;
    kernel = await createKernel({
      projectRoot: installed.projectRoot,
      userSpace: installed.userSpace,
      indexTtlMs: 0,
    });
  });
  afterAll(() => remove());

  /** What a harness does after loading a directive: its permissions → grants (checked against the registry). */
  async function grantsOf(directive: string): Promise<Grant[]> {
    const loaded = await kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: directive,
      parameters: { build: "2026.01.15-3" },
    });
    if (!loaded.success) throw new Error(loaded.error.message);
    const { metadata } = loaded as unknown as { metadata: Directive["metadata"] };
    return permissionsToGrants(metadata.permissions, { registry: await kernel.capabilities(), core: false });
  }

  /** A thread's call metadata: a token minted with the kernel's key, as the harness does inside a thread. */
  async function thread(grants: readonly Grant[], threadId: string) {
    const minted = await mintToken({
      key: await kernel.signingKey(),
      grants,
      directiveId: "ship_to_staging",
      threadId,
    });
    return { meta: { __auth: minted.token, __thread_id: threadId } };
  }

  const deploy = (tool: string, meta?: Record<string, unknown>) =>
    kernel.execute(
      { item_type: "tool", action: "run", item_id: tool, parameters: { build: "2026.01.15-3" } },
      meta ? { meta } : {},
    );

  it("adds its capabilities to the kernel's registry, as the package's data", async () => {
    const registry = await kernel.capabilities();
    expect(registry.get("process.deploy_staging")).toMatchObject({ system_only: false, scope: "none" });
    expect(registry.get("process.deploy_production")).toBeDefined();
    expect(registry.get("fs.read")).toBeDefined(); // the core sets are still there
  });

  it("turns the directive's permissions into grants that include process.deploy_staging, and nothing for production", async () => {
    const grants = await grantsOf("ship_to_staging");
    expect(grants).toEqual(
      expect.arrayContaining([
        { cap: "kiwi.execute" },
        { cap: "tool.execute", scope: "deploy_staging" },
        { cap: "process.deploy_staging" },
      ]),
    );
    expect(grants.some((g) => g.cap === "process.deploy_production")).toBe(false);
  });

  it("lets a thread holding process.deploy_staging run deploy_staging", async () => {
    const { meta } = await thread(await grantsOf("ship_to_staging"), "ship_1");
    const r = await deploy("deploy_staging", meta);
    // The echo primitive hands back the rendered config: what a real deploy call would have been sent.
    expect(r.success ? r.result : r.error).toMatchObject({
      success: true,
      config: { environment: "staging", build: "2026.01.15-3", status: "queued" },
    });
  });

  it("refuses a thread without process.deploy_staging with CAPABILITY_DENIED and the permission to add", async () => {
    const { meta } = await thread(
      [{ cap: "kiwi.execute" }, { cap: "tool.execute", scope: "deploy_*" }],
      "ship_2",
    );
    const r = await deploy("deploy_staging", meta);
    expect(r.success ? r : r.error).toMatchObject({
      code: "CAPABILITY_DENIED",
      reason: "cap_missing",
      required: "process.deploy_staging",
      suggestion: expect.stringContaining('<execute resource="process" action="deploy_staging"/>'),
    });
  });

  it("keeps the directive's thread out of production: the tool id is not granted either", async () => {
    const { meta } = await thread(await grantsOf("ship_to_staging"), "ship_3");
    const r = await deploy("deploy_production", meta);
    expect(r.success ? r : r.error).toMatchObject({
      code: "CAPABILITY_DENIED",
      required: "tool.execute deploy_production",
    });
  });

  it("refuses a call with no token at all: the tool requires a capability", async () => {
    const r = await deploy("deploy_staging");
    expect(r.success ? r : r.error).toMatchObject({ code: "TOKEN_INVALID" });
  });

  it("refuses to turn permissions into grants for a capability no set declares", async () => {
    const registry = await kernel.capabilities();
    expect(() =>
      permissionsToGrants(
        { grants: [{ verb: "execute", resource: "process", action: "deploy_everywhere" }] },
        { registry, core: false },
      ),
    ).toThrow(expect.objectContaining({ code: "CAPABILITY_UNKNOWN" }));
  });
});
