// The provider's `models` (pricing, limits, tiers from data/pricing.yaml; what every provider's models do
// is checked by the conformance suite) and its data definition: a host finds `anthropic_provider` in the
// plugin space and instantiates it through the kernel, importing nothing.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { PROVIDER_KIND, type Usage } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { anthropicModels } from "./anthropic-models";
import { createAnthropicProvider } from "./anthropic-provider";
import { loadPricing } from "./pricing";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const usage: Usage = {
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 50,
  cache_creation_tokens: 10,
};

describe("anthropicModels", () => {
  const models = anthropicModels();

  it("knows the limits of its data's models, not another provider's", () => {
    expect([models.contextWindow("claude-haiku-4-5"), models.maxOutputTokens("claude-haiku-4-5")]).toEqual([
      200000, 64000,
    ]);
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
    expect(provider.models?.tiers).toBe(loadPricing().tiers);
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
