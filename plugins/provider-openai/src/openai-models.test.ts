// The provider's `models` (pricing, limits, tiers from data/pricing.yaml; what every provider's models do
// is checked by the conformance suite) and its data definition: a host finds `openai_provider` in the
// plugin space and instantiates it through the kernel, importing nothing.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { PROVIDER_KIND, type Usage } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { openaiModels } from "./openai-models";
import { createOpenAIProvider } from "./openai-provider";
import { loadPricing } from "./pricing";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const usage: Usage = {
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 50,
  cache_creation_tokens: 10,
};

describe("openaiModels", () => {
  const models = openaiModels();

  it("knows the limits of its data's models, not another provider's", () => {
    expect([models.contextWindow("gpt-4.1-mini"), models.maxOutputTokens("gpt-4.1-mini")]).toEqual([
      1047576, 32768,
    ]);
    expect(models.contextWindow("claude-haiku-4-5")).toBeUndefined();
  });

  it("owns its model families and the ids of its data, not another provider's", () => {
    expect(models.owns?.("gpt-4.1-mini")).toBe(true);
    expect(models.owns?.("gpt-4.1-mini-2025-04-14")).toBe(true);
    expect(models.owns?.("o3")).toBe(true);
    expect(models.owns?.("o4-mini")).toBe(true);
    expect(models.owns?.("gpt-7")).toBe(true);
    expect(models.owns?.("claude-haiku-4-5")).toBe(false);
    expect(models.owns?.("omni")).toBe(false);
  });

  it("is carried by the provider, with the environment variables its tools read", () => {
    const provider = createOpenAIProvider();
    expect(provider.models?.tiers).toBe(loadPricing().tiers);
    expect(provider.env).toEqual({
      apiKey: "OPENAI_API_KEY",
      baseUrl: "OPENAI_BASE_URL",
      defaultBaseUrl: "https://api.openai.com/v1",
    });
  });
});

describe("the openai_provider definition", () => {
  it("is found as a tool_type: provider item of the installed package and instantiated through the kernel", async () => {
    const project = await realpath(await mkdtemp(join(tmpdir(), "kiwi-openai-provider-")));
    try {
      await mkdir(join(project, "node_modules/@kiwi"), { recursive: true });
      await symlink(PACKAGE, join(project, "node_modules/@kiwi/provider-openai"), "dir");
      await writeFile(
        join(project, "package.json"),
        JSON.stringify({ name: "app", dependencies: { "@kiwi/provider-openai": "*" } }),
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
        ["openai_provider", "plugin:@kiwi/provider-openai", undefined],
      ]);
      const provider = await kernel.instantiatePlugin({ itemId: "openai_provider", kind: PROVIDER_KIND });
      expect(provider).toMatchObject({ id: "openai", threadTool: "openai_thread" });
      expect(provider.models?.tiers?.balanced).toBe("gpt-4.1");
      expect(provider.models?.costOf("gpt-4.1-mini", usage)).toHaveProperty("usd");
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
