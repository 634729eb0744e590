// Providers are found from data: the `tool_type: provider` definitions of the installed plugin packages
// (and of the project, for a third-party provider), instantiated through the kernel. The runtime never
// imports a provider package; tiers, prices and limits come from the provider's `models`.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import type { ProviderV1, Usage } from "@kiwi/spec";
import { tempProject } from "@kiwi/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  discoverProviders,
  type InstalledProvider,
  modelFor,
  NO_PROVIDER_MESSAGE,
  type ProviderDiscovery,
  pickProvider,
  resolveModel,
} from "./models";

const PLUGINS = fileURLToPath(new URL("../../../../plugins/", import.meta.url));

interface ThreadProject {
  readonly project: string;
  readonly userSpace: string;
  remove(): Promise<void>;
}

/** A temp project whose package.json depends on both provider plugins (linked), and a user space. */
async function createThreadProject(): Promise<ThreadProject> {
  const { projectRoot, userSpace, remove } = await tempProject({
    prefix: "kiwi-providers",
    packages: {
      "@kiwi/provider-anthropic": join(PLUGINS, "provider-anthropic"),
      "@kiwi/provider-openai": join(PLUGINS, "provider-openai"),
    },
  });
  return { project: projectRoot, userSpace, remove };
}

const usage: Usage = {
  input_tokens: 1000,
  output_tokens: 100,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
};

let where: ThreadProject | undefined;
afterEach(async () => {
  if (where) {
    await where.remove();
  }
  where = undefined;
});

const kernelOf = (w: ThreadProject) =>
  createKernel({
    projectRoot: w.project,
    userSpace: w.userSpace,
    env: {},
    indexTtlMs: 0,
    personAtTerminal: true,
  });

/** A provider-v1 object with the given models, for the pure functions. */
function fakeProvider(id: string, extra: Partial<ProviderV1> = {}): InstalledProvider {
  const provider: ProviderV1 = {
    specificationVersion: "provider-v1",
    id,
    threadTool: `${id}_thread`,
    formatRequest: () => ({}),
    createStreamParser: () => {
      throw new Error("not used");
    },
    ...extra,
  };
  return { id, itemId: `${id}_provider`, provider };
}

const ACME_MODULE = `export function createAcmeProvider() {
  return {
    specificationVersion: "provider-v1",
    id: "acme",
    threadTool: "acme_thread",
    formatRequest: (r) => ({ model: r.model, messages: r.messages }),
    createStreamParser: () => ({ state: {}, push() {} }),
    env: { apiKey: "ACME_API_KEY" },
    models: {
      tiers: { balanced: "acme-1", fast: "acme-1-mini" },
      costOf: (model, usage) => (model === "acme-1" ? { usd: usage.input_tokens / 1e6 } : { unpriced: true }),
      contextWindow: (model) => (model.startsWith("acme-") ? 32000 : undefined),
      maxOutputTokens: () => 4000,
    },
  };
}
`;

const ACME_DEFINITION = `tool_id: acme_provider
tool_type: provider
version: "1.0.0"
description: A third-party provider defined in the project
module: "./acme-provider.mjs"
export: createAcmeProvider
requires: none
`;

describe("discoverProviders", () => {
  it("instantiates the installed provider plugins from their data definitions", async () => {
    where = await createThreadProject();
    const found = await discoverProviders(await kernelOf(where));
    expect(found.problems).toEqual([]);
    expect(found.providers.map((p) => [p.id, p.itemId, p.provider.threadTool])).toEqual([
      ["anthropic", "anthropic_provider", "anthropic_thread"],
      ["openai", "openai_provider", "openai_thread"],
    ]);
    const anthropic = found.providers[0]!.provider;
    expect(anthropic.models?.tiers?.fast).toBe("claude-haiku-4-5");
    expect(anthropic.env?.apiKey).toBe("ANTHROPIC_API_KEY");
  });

  it("finds a third-party provider like the first-party ones, and reports an unusable definition", async () => {
    where = await createThreadProject();
    await mkdir(join(where.project, ".ai/tools/llm"), { recursive: true });
    await writeFile(join(where.project, ".ai/tools/llm/acme-provider.mjs"), ACME_MODULE);
    const kernel = await kernelOf(where);
    const created = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "acme_provider",
      parameters: { content: ACME_DEFINITION, category: "llm" },
    });
    expect(created.success).toBe(true);
    // An unsigned definition is reported, not used.
    await writeFile(
      join(where.project, ".ai/tools/llm/shady_provider.yaml"),
      ACME_DEFINITION.replace("acme_provider", "shady_provider"),
    );
    const found = await discoverProviders(kernel);
    expect(found.providers.map((p) => p.id)).toEqual(["acme", "anthropic", "openai"]);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]).toMatch(/shady_provider\.yaml: \w+/);

    const acme = pickProvider(found, "acme", { ACME_API_KEY: "k" });
    expect(acme.ok).toBe(true);
    const provider = (acme as { provider: InstalledProvider }).provider.provider;
    expect(modelFor(provider, { tier: "fast" }, undefined)).toBe("acme-1-mini");
    expect(modelFor(provider, { tier: "expert" }, undefined)).toBe("acme-1");
    expect(modelFor(provider, { tier: "fast", id: "acme-2" }, undefined)).toBe("acme-2");
    expect(modelFor(provider, { tier: "fast", id: "claude-haiku-4-5" }, undefined)).toBe("acme-1-mini");
    const resolved = resolveModel(provider, "acme-1");
    expect(resolved).toMatchObject({ model: "acme-1", contextWindow: 32000, maxTokens: 4000 });
    expect(resolved.price("acme-1", usage)).toEqual({ usd: 0.001 });
    expect(resolved.price("acme-1-mini", usage)).toEqual({ unpriced: true });
  });

  it("finds nothing in a project that installs no provider", async () => {
    where = await createThreadProject();
    await rm(join(where.project, "package.json"));
    const found = await discoverProviders(await kernelOf(where));
    expect(found.providers).toEqual([]);
    const pick = pickProvider(found, undefined, { ANTHROPIC_API_KEY: "k" });
    expect(pick).toEqual({ ok: false, message: NO_PROVIDER_MESSAGE });
    expect(NO_PROVIDER_MESSAGE).toContain("npm install @kiwi/provider-anthropic");
  });
});

describe("pickProvider", () => {
  const both: ProviderDiscovery = {
    providers: [
      fakeProvider("anthropic", { env: { apiKey: "ANTHROPIC_API_KEY", baseUrl: "ANTHROPIC_BASE_URL" } }),
      fakeProvider("local"),
      fakeProvider("openai", { env: { apiKey: "OPENAI_API_KEY", baseUrl: "OPENAI_BASE_URL" } }),
    ],
    problems: [],
  };
  const id = (p: ReturnType<typeof pickProvider>) => (p.ok ? p.provider.id : p.message);

  it("takes the first provider (by id) whose key is set; a keyless one only when named", () => {
    expect(id(pickProvider(both, undefined, { ANTHROPIC_API_KEY: "a", OPENAI_API_KEY: "o" }))).toBe(
      "anthropic",
    );
    expect(id(pickProvider(both, undefined, { OPENAI_API_KEY: "o" }))).toBe("openai");
    expect(id(pickProvider(both, "local", {}))).toBe("local");
    expect(id(pickProvider(both, "openai_provider", { OPENAI_API_KEY: "o" }))).toBe("openai");
  });

  it("says which key to set, from the providers' own env data", () => {
    const none = pickProvider(both, undefined, {});
    expect(none.ok).toBe(false);
    expect(id(none)).toContain("no model key: set ANTHROPIC_API_KEY or OPENAI_API_KEY");
    expect(id(none)).toContain("ANTHROPIC_BASE_URL / OPENAI_BASE_URL");
    expect(id(none)).toContain("--provider local (no key needed)");
    expect(id(none)).toContain("kiwi demo");
    expect(id(pickProvider(both, "openai", { ANTHROPIC_API_KEY: "a" }))).toContain(
      "--provider openai needs OPENAI_API_KEY in the environment (and OPENAI_BASE_URL for another endpoint)",
    );
  });

  it("an unknown --provider is a usage error listing the installed ones", () => {
    const pick = pickProvider(both, "gemini", {});
    expect(pick).toMatchObject({ ok: false, usage: true });
    expect(id(pick)).toContain("--provider must be one of anthropic, local, openai");
    const only = pickProvider({ providers: [both.providers[0]!], problems: [] }, "openai", {});
    expect(id(only)).toContain("npm install @kiwi/provider-openai for openai");
  });
});

describe("modelFor and resolveModel", () => {
  it("maps tiers through the provider's data and honours --model and its own <model id>", async () => {
    where = await createThreadProject();
    const found = await discoverProviders(await kernelOf(where));
    const [anthropic, openai] = found.providers.map((p) => p.provider) as [ProviderV1, ProviderV1];
    expect(modelFor(anthropic, { tier: "fast" }, undefined)).toBe("claude-haiku-4-5");
    expect(modelFor(anthropic, { tier: "reasoning" }, undefined)).toBe("claude-opus-4-6");
    expect(modelFor(anthropic, { tier: "no-such-tier" }, undefined)).toBe("claude-sonnet-4-6");
    expect(modelFor(anthropic, undefined, undefined)).toBe("claude-sonnet-4-6");
    expect(modelFor(openai, { tier: "fast" }, undefined)).toBe("gpt-4.1-mini");
    expect(modelFor(openai, { tier: "expert" }, undefined)).toBe("o3");
    expect(modelFor(anthropic, { tier: "fast", id: "claude-opus-4-5" }, undefined)).toBe("claude-opus-4-5");
    expect(modelFor(openai, { tier: "fast", id: "claude-opus-4-5" }, undefined)).toBe("gpt-4.1-mini");
    expect(modelFor(openai, { tier: "fast", id: "gpt-4o" }, undefined)).toBe("gpt-4o");
    expect(modelFor(openai, { tier: "fast" }, "gpt-5")).toBe("gpt-5");

    const haiku = resolveModel(anthropic, "claude-haiku-4-5");
    expect(haiku.provider).toBe(anthropic);
    expect(haiku.contextWindow).toBe(200000);
    expect(haiku.maxTokens).toBe(8192);
    const cost = haiku.price("claude-haiku-4-5", usage);
    expect("usd" in cost && cost.usd).toBeCloseTo((1000 * 1 + 100 * 5) / 1e6, 10);
    expect(haiku.price("claude-unknown", usage)).toEqual({ unpriced: true });
  });

  it("a provider without models data: unpriced, the default output cap, and --model required", () => {
    const bare = fakeProvider("bare").provider;
    expect(() => modelFor(bare, { tier: "fast" }, undefined)).toThrow(
      /names no model for tier 'fast'.*--model/,
    );
    // Without models data the provider's ids are unknown: its <model id> is not guessed either.
    expect(() => modelFor(bare, { id: "bare-1" }, undefined)).toThrow(/does not serve 'bare-1'/);
    expect(modelFor(bare, { id: "bare-1" }, "bare-1")).toBe("bare-1");
    const resolved = resolveModel(bare, "bare-1");
    expect(resolved.price("bare-1", usage)).toEqual({ unpriced: true });
    expect(resolved.maxTokens).toBe(8192);
    expect(resolved.contextWindow).toBeUndefined();
  });
});
