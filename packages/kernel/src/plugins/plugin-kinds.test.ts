import * as spec from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createItem, fixture, writeRaw } from "../test-support/fixture";
import { HARNESS_KIND, PROVIDER_KIND, SINK_KIND } from "./plugin-kinds";

// A provider-v1 factory as a third party would ship it; `broken` returns `models` without costOf.
const providerModule = `
const base = {
  specificationVersion: "provider-v1",
  id: "acme",
  threadTool: "acme_thread",
  formatRequest: (r) => ({ model: r.model }),
  createStreamParser: () => ({ state: {}, push() {} }),
  env: { apiKey: "ACME_API_KEY" },
};
export function createAcmeProvider() {
  return {
    ...base,
    models: {
      tiers: { fast: "acme-small", balanced: "acme-large" },
      costOf: (model, usage) => model === "acme-small" ? { usd: usage.input_tokens / 1e6 } : { unpriced: true },
      contextWindow: (model) => (model === "acme-small" ? 8000 : undefined),
      maxOutputTokens: () => undefined,
    },
  };
}
export function broken() {
  return { ...base, models: { tiers: {}, contextWindow: () => 1, maxOutputTokens: () => 1 } };
}
export function minimal() {
  return base;
}
`;

const definition = (id: string, exported: string) => `tool_id: ${id}
tool_type: provider
version: "1.0.0"
description: A test provider
module: "./acme-provider.mjs"
export: ${exported}
requires: none
`;

describe("plugin kinds", () => {
  it("are the kinds @kiwi/spec defines (one definition for the loader and the conformance suites)", () => {
    expect([SINK_KIND, PROVIDER_KIND, HARNESS_KIND]).toEqual([
      spec.SINK_KIND,
      spec.PROVIDER_KIND,
      spec.HARNESS_KIND,
    ]);
    expect(PROVIDER_KIND).toBe(spec.PROVIDER_KIND);
  });

  it("instantiates a tool_type: provider definition and checks its models shape", async () => {
    const f = await fixture();
    await writeRaw(f.projectRoot, ".ai/tools/llm/acme-provider.mjs", providerModule);
    await createItem(f, "tool", "acme_provider", definition("acme_provider", "createAcmeProvider"), {
      category: "llm",
    });
    await createItem(f, "tool", "acme_broken", definition("acme_broken", "broken"), { category: "llm" });
    await createItem(f, "tool", "acme_minimal", definition("acme_minimal", "minimal"), { category: "llm" });

    const provider = await f.kernel.instantiatePlugin({ itemId: "acme_provider", kind: PROVIDER_KIND });
    expect(provider.id).toBe("acme");
    expect(provider.models?.tiers?.fast).toBe("acme-small");
    const usage = {
      input_tokens: 2_000_000,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    };
    expect(provider.models?.costOf("acme-small", usage)).toEqual({ usd: 2 });
    expect(provider.models?.costOf("acme-large", usage)).toEqual({ unpriced: true });
    expect(provider.env?.apiKey).toBe("ACME_API_KEY");

    // models and env are optional; when present they must have the documented shape.
    expect((await f.kernel.instantiatePlugin({ itemId: "acme_minimal", kind: PROVIDER_KIND })).models).toBe(
      undefined,
    );
    await expect(
      f.kernel.instantiatePlugin({ itemId: "acme_broken", kind: PROVIDER_KIND }),
    ).rejects.toMatchObject({ code: "PLUGIN_INVALID", message: expect.stringContaining("models.costOf") });
    // The same export is not a harness.
    await expect(
      f.kernel.instantiatePlugin({ itemId: "acme_provider", kind: HARNESS_KIND }),
    ).rejects.toMatchObject({ code: "PLUGIN_INVALID", message: expect.stringContaining("'provider-v1'") });
  });
});
