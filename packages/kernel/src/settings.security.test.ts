// What the kernel takes from the environment and the project's `.env` (issue 13 §1, §5): where each value
// comes from, what joins the redaction set, and a `.env` that is not a file never blocks a start.
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "./settings";
import { tempDir } from "./test-support/fixture";

describe("settings from the environment and .env", () => {
  it("says where a value comes from: the environment wins, .env fills gaps", async () => {
    const projectRoot = await tempDir("settings");
    await writeFile(join(projectRoot, ".env"), "A=from-file\nB=from-file-too\n");
    const s = resolveSettings({ projectRoot, env: { A: "from-env" } });
    expect(s.env("A")).toBe("from-env");
    expect(s.env.sourceOf?.("A")).toBe("environment");
    expect(s.env("B")).toBe("from-file-too");
    expect(s.env.sourceOf?.("B")).toBe("dotenv");
    expect(s.env.sourceOf?.("C")).toBeUndefined();
  });

  it("redacts every .env value, the environment's secret-looking ones, and every value a template reads", async () => {
    const projectRoot = await tempDir("settings");
    await writeFile(
      join(projectRoot, ".env"),
      "DATABASE_URL=postgres://app:pw-12345678@db/app\nSOME_SETTING=ghp_unusualName123456\nDEBUG=true\nPORT=8080\n",
    );
    const s = resolveSettings({
      projectRoot,
      env: { GITHUB_TOKEN: "ghp_fromTheEnvironment1", REGION: "eu-central-somewhere", HOME: "/home/someone" },
    });
    expect(s.secrets.values().sort()).toEqual(
      [
        "ghp_fromTheEnvironment1",
        "ghp_unusualName123456",
        "postgres://app:pw-12345678@db/app",
        "pw-12345678",
      ].sort(),
    );
    expect(s.redact("region eu-central-somewhere")).toBe("region eu-central-somewhere");
    s.env("REGION"); // a template read it: from now on it is a secret
    expect(s.redact("region eu-central-somewhere")).toBe("region [REDACTED]");
    expect(s.redact("DEBUG=true PORT=8080")).toBe("DEBUG=true PORT=8080");
  });

  it("refuses a FIFO in place of .env at once instead of waiting on it", async () => {
    const projectRoot = await tempDir("settings");
    const made = spawnSync("mkfifo", [join(projectRoot, ".env")]);
    if (made.status !== 0) return; // no mkfifo on this system
    const started = Date.now();
    expect(() => resolveSettings({ projectRoot, env: {} })).toThrowError(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: expect.stringContaining("not a regular file"),
      }),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
