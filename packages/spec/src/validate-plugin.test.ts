import { describe, expect, it } from "vitest";
import { HARNESS_KIND, type PluginKind, PROVIDER_KIND, SINK_KIND, validatePlugin } from "./index";

const noop = () => undefined;
const sink = { specificationVersion: "sink-v1", id: "s", write: noop, close: async () => undefined };
const provider = {
  specificationVersion: "provider-v1",
  id: "acme",
  threadTool: "acme_thread",
  formatRequest: noop,
  createStreamParser: noop,
};
const harness = { specificationVersion: "harness-v2", id: "h", run: noop };
const harnessV1 = { specificationVersion: "harness-v1", id: "old", createRunner: noop };

describe("the plugin kinds", () => {
  it("name each kind with its version tag", () => {
    expect([SINK_KIND, PROVIDER_KIND, HARNESS_KIND].map((k) => [k.name, k.specificationVersion])).toEqual([
      ["sink", "sink-v1"],
      ["provider", "provider-v1"],
      ["harness", "harness-v2"],
    ]);
    expect(HARNESS_KIND.upgrades?.map((u) => u.specificationVersion)).toEqual(["harness-v1"]);
    expect(Object.isFrozen(PROVIDER_KIND)).toBe(true);
  });

  it("accept an instance of their kind and hand back the instance itself", async () => {
    for (const [kind, value] of [
      [SINK_KIND, { ...sink, flush: async () => undefined }],
      [PROVIDER_KIND, provider],
      [HARNESS_KIND, harness],
    ] as const) {
      const result = await validatePlugin(kind as PluginKind<unknown>, value);
      expect(result).toEqual({ ok: true, value });
      if (result.ok) expect(result.value).toBe(value);
    }
  });

  it("check a provider's optional models and env when present", async () => {
    const full = {
      ...provider,
      models: { costOf: noop, contextWindow: noop, maxOutputTokens: noop, tiers: { fast: "a" }, owns: noop },
      env: { apiKey: "ACME_API_KEY" },
    };
    expect((await validatePlugin(PROVIDER_KIND, full)).ok).toBe(true);
    const broken = {
      ...provider,
      models: { contextWindow: noop, maxOutputTokens: 1, tiers: { fast: "" } },
      env: { baseUrl: 7 },
    };
    const result = await validatePlugin(PROVIDER_KIND, broken);
    expect(result).toMatchObject({ ok: false, reason: "shape" });
    if (result.ok) return;
    expect(result.message).toBe(
      "it does not have the provider shape: models.costOf: must be a function; models.maxOutputTokens: must be a function; models.tiers.fast: must be a non-empty string; env.baseUrl: must be a non-empty string",
    );
    expect(result.issues.map((i) => i.path)).toEqual([
      ["models", "costOf"],
      ["models", "maxOutputTokens"],
      ["models", "tiers", "fast"],
      ["env", "baseUrl"],
    ]);
  });

  it("name a missing or foreign version tag before any shape problem", async () => {
    expect(await validatePlugin(SINK_KIND, { id: "x" })).toMatchObject({
      ok: false,
      reason: "no_tag",
      message: "it is not a sink plugin (no specificationVersion; expected 'sink-v1')",
    });
    expect(await validatePlugin(HARNESS_KIND, provider)).toMatchObject({
      ok: false,
      reason: "wrong_version",
      message: expect.stringContaining(
        "declares specificationVersion 'provider-v1', but this Kiwi knows 'harness-v2' or 'harness-v1'",
      ),
    });
  });

  it("accept an older version the kind still knows, upgraded, after checking that version's shape", async () => {
    const result = await validatePlugin(HARNESS_KIND, harnessV1);
    expect(result).toMatchObject({
      ok: true,
      upgradedFrom: "harness-v1",
      value: { specificationVersion: "harness-v2", id: "old", run: expect.any(Function) },
    });
    expect(await validatePlugin(HARNESS_KIND, { ...harnessV1, createRunner: 1 })).toMatchObject({
      ok: false,
      reason: "shape",
      message: "it does not have the harness shape (harness-v1): createRunner: must be a function",
    });
    // A v2 instance carrying v1's method is still checked as v2.
    expect(
      await validatePlugin(HARNESS_KIND, { ...harness, run: undefined, createRunner: noop }),
    ).toMatchObject({
      ok: false,
      message: "it does not have the harness shape: run: must be a function",
    });
  });

  it.each([null, undefined, 42, "sink-v1", []])("refuse %j without throwing", async (value) => {
    expect((await validatePlugin(SINK_KIND, value)).ok).toBe(false);
  });

  it("refuse an instance whose required fields are missing or of the wrong type", async () => {
    const result = await validatePlugin(SINK_KIND, { specificationVersion: "sink-v1", id: "", write: "no" });
    expect(result.ok ? [] : result.issues.map((i) => i.path?.join("."))).toEqual(["id", "write", "close"]);
  });

  it("accept a host's own kind described with any Standard Schema", async () => {
    const kind: PluginKind<{ specificationVersion: "echo-v1" }> = {
      name: "echo",
      specificationVersion: "echo-v1",
      shape: {
        "~standard": {
          version: 1,
          vendor: "test",
          validate: async (value) =>
            (value as { id?: unknown }).id === "ok"
              ? { value: value as { specificationVersion: "echo-v1" } }
              : { issues: [{ message: "wrong id", path: [{ key: "id" }] }] },
        },
      },
    };
    expect((await validatePlugin(kind, { specificationVersion: "echo-v1", id: "ok" })).ok).toBe(true);
    expect(await validatePlugin(kind, { specificationVersion: "echo-v1", id: "no" })).toMatchObject({
      message: "it does not have the echo shape: id: wrong id",
    });
  });
});
