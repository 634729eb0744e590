// The provider's `models` (pricing, limits, tiers from data/pricing.yaml) and its data definition: a host
// finds `anthropic_provider` in the plugin space and instantiates it through the kernel, importing nothing.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, PROVIDER_KIND } from "@kiwi/kernel";
import type { Usage } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { ANTHROPIC_TIERS, anthropicModels } from "./anthropic-models";
import { createAnthropicProvider } from "./anthropic-provider";
import { costOf, findModel } from "./cost-of";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const usage: Usage = {
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 50,
  cache_creation_tokens: 10,
};

describe("anthropicModels", () => {
  const models = anthropicModels();

  it("maps every tier Kiwi uses to a model the pricing data prices", () => {
    const tiers = ["fast", "balanced", "general", "reasoning", "expert", "orchestrator"];
    expect(Object.keys(ANTHROPIC_TIERS).sort()).toEqual([...tiers].sort());
    for (const tier of tiers) {
      const model = models.tiers?.[tier];
      expect(model, tier).toBeDefined();
      expect(findModel(model!)?.prices.length, model).toBeGreaterThan(0);
    }
    expect(models.tiers?.fast).toBe("claude-haiku-4-5");
  });

  it("prices from the package's data (unpriced, never $0, for an unknown model) and knows the limits", () => {
    const at = new Date("2026-06-01T00:00:00Z");
    const cost = costOf({ model: "claude-haiku-4-5", usage, at });
    expect(cost.priced).toBe(true);
    expect(models.costOf("claude-haiku-4-5", usage, at)).toEqual({
      usd: (cost as { usd: number }).usd,
      price_effective_from: (cost as { price_effective_from: string }).price_effective_from,
    });
    expect(models.costOf("claude-unknown-9", usage)).toEqual({ unpriced: true });
    expect(models.contextWindow("claude-haiku-4-5")).toBe(200000);
    expect(models.maxOutputTokens("claude-haiku-4-5")).toBe(64000);
    expect(models.contextWindow("gpt-4.1")).toBeUndefined();
  });

  it("owns claude-* ids and the ids of its data, not another provider's", () => {
    expect(models.owns?.("claude-haiku-4-5")).toBe(true);
    expect(models.owns?.("claude-haiku-4-5-20251001")).toBe(true);
    expect(models.owns?.("claude-opus-9")).toBe(true);
    expect(models.owns?.("gpt-4.1")).toBe(false);
  });

  it("is carried by the provider, with the environment variables its tools read", () => {
    const provider = createAnthropicProvider();
    expect(provider.models?.tiers).toBe(ANTHROPIC_TIERS);
    expect(provider.env).toEqual({
      apiKey: "ANTHROPIC_API_KEY",
      baseUrl: "ANTHROPIC_BASE_URL",
      defaultBaseUrl: "https://api.anthropic.com",
    });
  });
});

describe("the anthropic_provider definition", () => {
  it("is found as a tool_type: provider item of the installed package and instantiated through the kernel", async () => {
    const project = await realpath(await mkdtemp(join(tmpdir(), "kiwi-anthropic-provider-")));
    try {
      await mkdir(join(project, "node_modules/@kiwi"), { recursive: true });
      await symlink(PACKAGE, join(project, "node_modules/@kiwi/provider-anthropic"), "dir");
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "app", dependencies: { "@kiwi/provider-anthropic": "*" } }),
      );
      const kernel = await createKernel({
        projectRoot: project,
        userSpace: join(project, ".user"),
        coreSpace: false,
        env: {},
        indexTtlMs: 0,
      });
      const providers = (await kernel.inventory()).filter(
        (e) => e.record?.parsed.itemType === "tool" && e.record.parsed.data.tool_type === "provider",
      );
      expect(providers.map((e) => [e.id, e.space.name, e.problem])).toEqual([
        ["anthropic_provider", "plugin:@kiwi/provider-anthropic", undefined],
      ]);
      const provider = await kernel.instantiatePlugin({ itemId: "anthropic_provider", kind: PROVIDER_KIND });
      expect(provider).toMatchObject({ id: "anthropic", threadTool: "anthropic_thread" });
      expect(provider.models?.tiers?.balanced).toBe("claude-sonnet-4-6");
      expect(provider.models?.costOf("claude-haiku-4-5", usage)).toHaveProperty("usd");
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
