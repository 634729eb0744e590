import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { matchPath } from "@kiwi/capabilities";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveInRoot } from "./resolve-in-root";
import { expectRefused, makeSandbox, type SandboxFixture, symlinksSupported } from "./sandbox-fixture";

const canSymlink = await symlinksSupported();
let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "src/a.ts": "A", "src/lib/b.ts": "B", "..test": "dots" });
});
afterEach(() => fx.cleanup());

describe("resolveInRoot", () => {
  it("joins relative paths to the root and says whether they exist", async () => {
    expect(await resolveInRoot({ root: fx.root, requested: "src/a.ts", op: "read" })).toEqual({
      abs: join(fx.root, "src/a.ts"),
      rel: "src/a.ts",
      exists: true,
    });
    expect(await resolveInRoot({ root: fx.root, requested: "src/new/x.ts", op: "write" })).toEqual({
      abs: join(fx.root, "src/new/x.ts"),
      rel: "src/new/x.ts",
      exists: false,
    });
  });

  it("P2: resolves `..` lexically and stays inside", async () => {
    const r = await resolveInRoot({ root: fx.root, requested: "src/../src/a.ts", op: "read" });
    expect(r.rel).toBe("src/a.ts");
    expect((await resolveInRoot({ root: fx.root, requested: "./src//lib/./b.ts", op: "read" })).rel).toBe(
      "src/lib/b.ts",
    );
  });

  it("S4: `src/../secrets/k` is canonicalised to `secrets/k`, which `src/**` does not match", async () => {
    const r = await resolveInRoot({ root: fx.root, requested: "src/../secrets/k", op: "read" });
    expect(r.rel).toBe("secrets/k");
    expect(matchPath("src/**", r.rel)).toBe(false);
  });

  it('the root itself is `.` → rel "", readable and listable', async () => {
    for (const requested of [".", "./", "src/.."]) {
      expect(await resolveInRoot({ root: fx.root, requested, op: "list" })).toEqual({
        abs: fx.root,
        rel: "",
        exists: true,
      });
    }
  });

  it("P4 (pinned): an absolute path inside the root is refused without allowAbsolute, relativized with it", async () => {
    const abs = join(fx.root, "src/a.ts");
    await expectRefused(
      fx,
      () => resolveInRoot({ root: fx.root, requested: abs, op: "read" }),
      "PATH_OUTSIDE_PROJECT",
      "absolute_denied",
    );
    expect(await resolveInRoot({ root: fx.root, requested: abs, op: "read", allowAbsolute: true })).toEqual({
      abs,
      rel: "src/a.ts",
      exists: true,
    });
    expect(
      (await resolveInRoot({ root: fx.root, requested: fx.root, op: "list", allowAbsolute: true })).rel,
    ).toBe("");
  });

  it("P19: percent-encoding is a literal name, never decoded", async () => {
    const r = await resolveInRoot({ root: fx.root, requested: "%2e%2e/outside/secret.txt", op: "read" });
    expect(r).toEqual({
      abs: join(fx.root, "%2e%2e/outside/secret.txt"),
      rel: "%2e%2e/outside/secret.txt",
      exists: false,
    });
  });

  it("`..test` is an ordinary name; `...` is refused by the trailing-dot rule (pinned)", async () => {
    expect((await resolveInRoot({ root: fx.root, requested: "..test", op: "read" })).exists).toBe(true);
    await expectRefused(
      fx,
      () => resolveInRoot({ root: fx.root, requested: "...", op: "read" }),
      "PATH_INVALID",
      "windows_form",
    );
  });

  it("S13: NFD requests are normalised to NFC", async () => {
    const r = await resolveInRoot({ root: fx.root, requested: "cafe\u0301/x", op: "write" });
    expect(r.rel).toBe("caf\u00e9/x");
    expect(matchPath("caf\u00e9/**", r.rel)).toBe(true);
  });

  it("a file used as a directory is PATH_INVALID not_directory", async () => {
    await expectRefused(
      fx,
      () => resolveInRoot({ root: fx.root, requested: "src/a.ts/x", op: "write" }),
      "PATH_INVALID",
      "not_directory",
    );
  });

  it("writing or deleting the root itself is PATH_PROTECTED (P23)", async () => {
    for (const op of ["write", "delete"] as const) {
      await expectRefused(
        fx,
        () => resolveInRoot({ root: fx.root, requested: ".", op }),
        "PATH_PROTECTED",
        "project_root",
      );
    }
  });

  it("refuses a missing root and the file-system root as project roots", async () => {
    await expect(
      resolveInRoot({ root: join(fx.base, "nope"), requested: "a", op: "read" }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(resolveInRoot({ root: "/", requested: "etc/passwd", op: "read" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(resolveInRoot({ root: "relative/root", requested: "a", op: "read" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});

describe.skipIf(!canSymlink)(
  `resolveInRoot with links inside the project${canSymlink ? "" : " (SKIPPED: symlinks unsupported)"}`,
  () => {
    it("P10: a link inside pointing inside is followed, and rel names the target (what scopes must check)", async () => {
      await symlink("lib", join(fx.root, "src/alias"));
      await symlink("../a.ts", join(fx.root, "src/lib/a-link.ts"));
      expect(await resolveInRoot({ root: fx.root, requested: "src/alias/b.ts", op: "read" })).toEqual({
        abs: join(fx.root, "src/lib/b.ts"),
        rel: "src/lib/b.ts",
        exists: true,
      });
      expect((await resolveInRoot({ root: fx.root, requested: "src/lib/a-link.ts", op: "read" })).rel).toBe(
        "src/a.ts",
      );
    });

    it("P10: the root reached through a symlink works under both spellings", async () => {
      const linkedRoot = join(fx.base, "linked-root");
      await symlink(fx.root, linkedRoot);
      expect(await resolveInRoot({ root: linkedRoot, requested: "src/a.ts", op: "read" })).toEqual({
        abs: join(fx.root, "src/a.ts"),
        rel: "src/a.ts",
        exists: true,
      });
      for (const spelling of [join(linkedRoot, "src/a.ts"), join(fx.root, "src/a.ts")]) {
        expect(
          (await resolveInRoot({ root: linkedRoot, requested: spelling, op: "read", allowAbsolute: true }))
            .rel,
        ).toBe("src/a.ts");
      }
    });

    it("a dangling link inside pointing inside resolves to where the file would be created", async () => {
      await symlink("../gen", join(fx.root, "src/out"));
      expect(await resolveInRoot({ root: fx.root, requested: "src/out/x.js", op: "write" })).toEqual({
        abs: join(fx.root, "gen/x.js"),
        rel: "gen/x.js",
        exists: false,
      });
    });

    it("write-through-final-link (pinned): a final link is refused for write and delete even pointing inside, allowed for read", async () => {
      await symlink("a.ts", join(fx.root, "src/inner"));
      for (const op of ["write", "delete"] as const) {
        await expectRefused(
          fx,
          () => resolveInRoot({ root: fx.root, requested: "src/inner", op }),
          "PATH_INVALID",
          "final_symlink",
        );
      }
      expect((await resolveInRoot({ root: fx.root, requested: "src/inner", op: "read" })).rel).toBe(
        "src/a.ts",
      );
    });

    it("a link loop is PATH_INVALID symlink_loop", async () => {
      await symlink("loop-b", join(fx.root, "loop-a"));
      await symlink("loop-a", join(fx.root, "loop-b"));
      await expectRefused(
        fx,
        () => resolveInRoot({ root: fx.root, requested: "loop-a/x", op: "write" }),
        "PATH_INVALID",
        "symlink_loop",
      );
    });

    it("a link leading to a name no request could spell is refused like the request would be", async () => {
      await mkdir(join(fx.root, "odd"));
      await writeFile(join(fx.root, "odd", "secret.txt."), "x");
      await symlink("odd/secret.txt.", join(fx.root, "plain"));
      await expectRefused(
        fx,
        () => resolveInRoot({ root: fx.root, requested: "plain", op: "read" }),
        "PATH_INVALID",
        "windows_form",
      );
    });
  },
);
