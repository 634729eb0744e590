// createThreadRuntime({projectRoot}) without a `models` resolver: the providers come from data (the
// project's installed provider plugins, else the ones next to the host), the model from the directive's
// tier through the provider's own data. A real runtime against the loopback fake LLM.
import { existsSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer } from "@kiwi/fake-llm";
import { afterEach, describe, expect, it } from "vitest";
import { threadDirectiveFile } from "../test-support/runtime-world";
import { createTestProject, fakeEnv } from "../test-support/thread-world";
import { createThreadRuntime, type ThreadRuntime } from "../thread-runtime";
import { NO_PROVIDER_MESSAGE } from "./models";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeLlm(text: string): Promise<FakeLlmServer> {
  const fake = await createFakeLlmServer({ script: { turns: [{ text }] } });
  cleanups.push(() => fake.close());
  return fake;
}

async function dir(make: () => Promise<string>): Promise<string> {
  const d = await make();
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function open(options: Parameters<typeof createThreadRuntime>[0]): Promise<ThreadRuntime> {
  const runtime = await createThreadRuntime({ indexTtlMs: 0, personAtTerminal: true, ...options });
  cleanups.push(() => runtime.close());
  const created = await runtime.kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "child_hello",
    parameters: { content: threadDirectiveFile({ name: "child_hello" }) },
  });
  if (!created.success) throw new Error(created.error.message);
  return runtime;
}

describe("the default models resolver", () => {
  it("runs a thread on the project's provider plugins, the model from the directive's tier", async () => {
    const fake = await fakeLlm("hello from the discovered provider");
    const projectRoot = await dir(createTestProject);
    const runtime = await open({ projectRoot, userSpace: join(projectRoot, ".user"), env: fakeEnv(fake) });
    expect(runtime.providers?.discovery.providers.map((p) => p.id)).toEqual(["anthropic", "openai"]);
    expect(runtime.providers?.pluginPackagesFrom).toBeUndefined();
    const spawned = await runtime.spawn({ directive: "child_hello", message: "hi" });
    const result = await spawned.done();
    expect(result).toMatchObject({ status: "completed", final_text: "hello from the discovered provider" });
    expect(result.usage.usd).toBeGreaterThan(0); // priced from the provider's own data
    // anthropic: its key is set; tier "fast" → the provider's fast model.
    expect(runtime.manager.registry.get(spawned.thread_id)?.permission_context).toMatchObject({
      provider: "anthropic",
      model: "claude-haiku-4-5",
    });
  });

  it("honours the provider and model overrides", async () => {
    const fake = await fakeLlm("hello from openai");
    const projectRoot = await dir(createTestProject);
    const runtime = await open({
      projectRoot,
      userSpace: join(projectRoot, ".user"),
      env: fakeEnv(fake),
      providers: { provider: "openai", model: "gpt-4o" },
    });
    const spawned = await runtime.spawn({ directive: "child_hello", message: "hi" });
    expect(await spawned.done()).toMatchObject({ status: "completed", final_text: "hello from openai" });
    expect(runtime.manager.registry.get(spawned.thread_id)?.permission_context).toMatchObject({
      provider: "openai",
      model: "gpt-4o",
    });
  });

  it("a project without providers uses the host's (fallbackFrom) on one kernel; without them a clear error", async () => {
    const fake = await fakeLlm("hello from the host's provider");
    const host = await dir(createTestProject);
    const projectRoot = await dir(async () => realpath(await mkdtemp(join(tmpdir(), "kiwi-bare-"))));
    const runtime = await open({
      projectRoot,
      userSpace: join(projectRoot, ".user"),
      env: fakeEnv(fake),
      providers: { fallbackFrom: [host] },
    });
    expect(runtime.providers?.pluginPackagesFrom).toEqual([host]);
    const spawned = await runtime.spawn({ directive: "child_hello", message: "hi" });
    expect(await spawned.done()).toMatchObject({
      status: "completed",
      final_text: "hello from the host's provider",
    });

    const bare = await dir(async () => realpath(await mkdtemp(join(tmpdir(), "kiwi-bare-"))));
    const none = await open({ projectRoot: bare, userSpace: join(bare, ".user"), env: fakeEnv(fake) });
    expect(none.providers?.discovery).toEqual({ providers: [], problems: [] });
    await expect(none.spawn({ directive: "child_hello", message: "hi" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: NO_PROVIDER_MESSAGE,
    });
    expect(none.manager.registry.query({ limit: 10 })).toEqual([]);
  });

  it("onProviders sees what was found before the registry opens; its throw creates nothing", async () => {
    const bare = await dir(async () => realpath(await mkdtemp(join(tmpdir(), "kiwi-bare-"))));
    const seen: unknown[] = [];
    const refused = createThreadRuntime({
      projectRoot: bare,
      userSpace: join(bare, ".user"),
      env: {},
      onProviders: (found) => {
        seen.push(found.discovery);
        throw new Error("no provider for this host");
      },
    });
    await expect(refused).rejects.toThrow("no provider for this host");
    expect(seen).toEqual([{ providers: [], problems: [] }]);
    expect(existsSync(join(bare, ".ai/threads/registry.db"))).toBe(false);
  });
});
