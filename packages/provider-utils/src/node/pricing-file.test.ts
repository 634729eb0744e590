import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { parsePricing } from "../parse-pricing";
import { HISTORY, usage } from "../test-pricing";
import { pricingFile } from "./pricing-file";

describe("pricingFile", () => {
  const temps: string[] = [];
  afterEach(async () => {
    await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function file(text: string): Promise<URL> {
    const dir = await mkdtemp(join(tmpdir(), "kiwi-pricing-file-"));
    temps.push(dir);
    await writeFile(join(dir, "pricing.yaml"), text);
    return pathToFileURL(join(dir, "pricing.yaml"));
  }

  it("reads the file lazily, once, and binds every lookup to it", async () => {
    const url = await file(HISTORY);
    const data = pricingFile(url);
    await rm(new URL(".", url), { recursive: true }); // nothing was read yet: the lookup must fail
    expect(() => data.loadPricing()).toThrow(/ENOENT/);
    const again = pricingFile(await file(HISTORY));
    const pricing = again.loadPricing();
    expect(again.loadPricing()).toBe(pricing);
    const at = new Date("2025-07-01");
    expect(again.costOf({ model: "model-a", usage: usage({ output_tokens: 1_000_000 }), at })).toMatchObject({
      usd: 8,
    });
    expect(again.findModel("model-a-20250101")?.id).toBe("model-a");
    expect(again.contextWindowOf("model-a")).toBe(100_000);
    expect(again.maxOutputTokensOf("limits-only")).toBe(4000);
  });

  it("takes other data when given", async () => {
    const data = pricingFile(await file(HISTORY));
    const other = parsePricing(HISTORY.replaceAll("model-a", "model-x"), "other.yaml");
    expect(data.findModel("model-x", other)?.id).toBe("model-x");
    expect(data.contextWindowOf("model-a", other)).toBeUndefined();
    expect(data.costOf({ model: "model-x", usage: usage({}), pricing: other })).toMatchObject({
      priced: true,
    });
  });

  it("an invalid file fails at the first lookup, naming the file's path", async () => {
    const url = await file("version: 1\nsource: s\nretrieved: '2025-01-01'\nmodels: []\n");
    const data = pricingFile(url);
    expect(() => data.contextWindowOf("a")).toThrow(
      expect.objectContaining({
        code: "VALIDATION_FAILED",
        message: expect.stringContaining(join("pricing.yaml")),
      }),
    );
  });
});
