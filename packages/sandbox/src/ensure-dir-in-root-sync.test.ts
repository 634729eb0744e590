import { mkdir, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDirInRootSync } from "./ensure-dir-in-root-sync";
import { makeSandbox, type SandboxFixture } from "./sandbox-fixture";

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
});
afterEach(() => fx.cleanup());

const refusal = (code: string, reason: string) =>
  expect.objectContaining({ code, context: expect.objectContaining({ reason }) });

describe("ensureDirInRootSync", () => {
  it("creates each missing folder with the mode given and says which it created", async () => {
    const made = ensureDirInRootSync({
      root: fx.root,
      rel: ".ai/threads/t1",
      mode: 0o700,
      systemCaps: ["registry.write"],
    });
    expect(made).toEqual({
      abs: join(fx.root, ".ai/threads/t1"),
      created: [join(fx.root, ".ai"), join(fx.root, ".ai/threads"), join(fx.root, ".ai/threads/t1")],
    });
    expect((await stat(join(fx.root, ".ai/threads/t1"))).mode & 0o777).toBe(0o700);
    expect(
      ensureDirInRootSync({ root: fx.root, rel: ".ai/threads/t1", systemCaps: ["registry.write"] }).created,
    ).toEqual([]);
    expect(ensureDirInRootSync({ root: fx.root, rel: "" })).toEqual({ abs: fx.root, created: [] });
  });

  it("refuses a link on the way, even one pointing inside, and creates nothing through it", async () => {
    await mkdir(join(fx.root, "real"));
    await symlink(join(fx.root, "real"), join(fx.root, "inside"));
    await symlink(fx.outside, join(fx.root, "out"));
    for (const rel of ["inside/x", "out/x", "out"]) {
      expect(() => ensureDirInRootSync({ root: fx.root, rel })).toThrow(
        refusal("PATH_OUTSIDE_PROJECT", "symlink_escape"),
      );
    }
    expect(await readdir(join(fx.root, "real"))).toEqual([]);
    expect(await readdir(fx.outside)).toEqual(["secret.txt"]);
  });

  it("refuses a file on the way and paths that are not canonical", async () => {
    await writeFile(join(fx.root, "f"), "file");
    expect(() => ensureDirInRootSync({ root: fx.root, rel: "f/x" })).toThrow(
      refusal("PATH_INVALID", "not_directory"),
    );
    for (const rel of ["a/../b", "./a", "a//b", "/abs", "a/"]) {
      expect(() => ensureDirInRootSync({ root: fx.root, rel })).toThrow(
        refusal("PATH_INVALID", "not_canonical"),
      );
    }
    expect(() => ensureDirInRootSync({ root: fx.root, rel: "a\nb" })).toThrow(
      refusal("PATH_INVALID", "control"),
    );
    expect(await readdir(fx.root)).toEqual(["f"]);
  });

  it("refuses protected folders without their capability, before creating anything", () => {
    expect(() => ensureDirInRootSync({ root: fx.root, rel: ".ai/threads/t1" })).toThrow(
      refusal("PATH_PROTECTED", "protected"),
    );
    expect(() =>
      ensureDirInRootSync({ root: fx.root, rel: ".git/hooks", systemCaps: ["registry.write"] }),
    ).toThrow(refusal("PATH_PROTECTED", "protected"));
  });
});
