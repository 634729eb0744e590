import { readdir } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { probeCaseInsensitive } from "./probe-case-insensitive";
import { makeSandbox, type SandboxFixture } from "./sandbox-fixture";

describe("probeCaseInsensitive", () => {
  let fx: SandboxFixture;
  beforeEach(async () => {
    fx = await makeSandbox();
  });
  afterEach(() => fx.cleanup());

  it("answers once per root, leaves no probe file behind", async () => {
    const first = probeCaseInsensitive(fx.root);
    expect(probeCaseInsensitive(fx.root)).toBe(first);
    const answer = await first;
    expect(typeof answer).toBe("boolean");
    // Reported so a run on macOS/Windows shows which branch the protected-path tests took.
    console.info(`file system under ${fx.root} is case-${answer ? "insensitive" : "sensitive"}`);
    expect(await readdir(fx.root)).toEqual([]);
  });
});
