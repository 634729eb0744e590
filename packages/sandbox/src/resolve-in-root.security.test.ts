import { access, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveInRoot } from "./resolve-in-root";
import {
  expectRefused,
  fifosSupported,
  makeFifo,
  makeSandbox,
  type SandboxFixture,
  symlinksSupported,
} from "./sandbox-fixture";
import { writeFileInRoot } from "./write-file-in-root";

const canSymlink = await symlinksSupported();
const canFifo = await fifosSupported();
const skipped = (ok: boolean, what: string) => (ok ? "" : ` (SKIPPED: ${what} unsupported on this machine)`);

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "src/a.ts": "A", "src/pub.txt": "PUBLIC" });
});
afterEach(() => fx.cleanup());

const resolve = (
  requested: string,
  op: "read" | "write" | "list" | "delete" = "read",
  allowAbsolute = false,
) => resolveInRoot({ root: fx.root, requested, op, allowAbsolute });

describe("syntax refusals (PATH_INVALID)", () => {
  it.each([
    ["a.txt\u0000.png", "nul"],
    ["\u0000/etc", "nul"],
    ["src/a.ts\u0000", "nul"],
    ["a\nb", "control"],
    ["a\rb", "control"],
    ["\u001b[31mred", "control"],
    ["src/\u0085x", "control"],
    ["src/\ud800x", "ill_formed"],
    [".g\u200cit/config", "ignorable_codepoint"],
    ["src/\u202egnp.exe", "ignorable_codepoint"],
    ["\ufeffsrc/a.ts", "ignorable_codepoint"],
    ["src/a\u200b.ts", "ignorable_codepoint"],
    ["", "empty"],
  ])("P16/P17/S13: %j → %s", async (requested, reason) => {
    await expectRefused(fx, () => resolve(requested), "PATH_INVALID", reason);
  });

  it.each([
    "..\\..\\x",
    "src\\..\\..\\x",
    "C:\\x",
    "C:x",
    "\\\\server\\share\\x",
    "\\\\?\\C:\\x",
    "file.txt::$DATA",
    "CON",
    "con",
    "nul.txt",
    "src/COM1.log",
    "LPT9",
    "COM\u00b9",
    "CONIN$",
    "secret.txt.",
    "secret.txt ",
    "src/dir./x",
    "PROGRA~1",
    "GIT~1/config",
    "file:///etc/passwd",
  ])("P18/P20: %j is PATH_INVALID windows_form (one portable rule on every OS)", async (requested) => {
    await expectRefused(fx, () => resolve(requested, "write"), "PATH_INVALID", "windows_form");
  });

  it.each([
    "\uff0e\uff0e\uff0foutside/secret.txt",
    "\uff0e\uff0e/outside/secret.txt",
    "\u2025/outside",
    "src/a\u2215b",
    "src/a\uff3cb",
  ])(
    "P21: lookalike dots and separators %j are refused (NFKC never applied to the path itself)",
    async (requested) => {
      await expectRefused(fx, () => resolve(requested, "write"), "PATH_INVALID", "lookalike");
    },
  );

  it("P24: 5000 characters, 500 segments and a 256-byte name are PATH_INVALID too_long, without a crash", async () => {
    await expectRefused(fx, () => resolve("a".repeat(5000)), "PATH_INVALID", "too_long");
    await expectRefused(
      fx,
      () => resolve(Array.from({ length: 500 }, () => "a").join("/")),
      "PATH_INVALID",
      "too_long",
    );
    await expectRefused(fx, () => resolve(`src/${"n".repeat(256)}`), "PATH_INVALID", "too_long");
    await expectRefused(fx, () => resolve("\u00e9".repeat(2049)), "PATH_INVALID", "too_long");
  });
});

describe("escapes (PATH_OUTSIDE_PROJECT)", () => {
  it.each([
    "../outside/secret.txt",
    "a/../../outside/secret.txt",
    "./../x",
    "src/../../outside",
    "..",
    "src/../..",
  ])("P1: %j → outside_root", async (requested) => {
    await expectRefused(fx, () => resolve(requested), "PATH_OUTSIDE_PROJECT", "outside_root");
  });

  it("P1: a 100-level path followed by 101 `..` escapes; the 1000-level variant is refused earlier as too_long (pinned)", async () => {
    const deep = (n: number) => `${"a/".repeat(n)}${"../".repeat(n + 1)}outside/secret.txt`;
    await expectRefused(fx, () => resolve(deep(100)), "PATH_OUTSIDE_PROJECT", "outside_root");
    await expectRefused(fx, () => resolve(deep(1000)), "PATH_INVALID", "too_long");
  });

  it("P3: `/etc/passwd` is absolute_denied; with allowAbsolute it is outside_root", async () => {
    await expectRefused(fx, () => resolve("/etc/passwd"), "PATH_OUTSIDE_PROJECT", "absolute_denied");
    await expectRefused(
      fx,
      () => resolve("/etc/passwd", "read", true),
      "PATH_OUTSIDE_PROJECT",
      "outside_root",
    );
    await expectRefused(fx, () => resolve("/", "list"), "PATH_OUTSIDE_PROJECT", "absolute_denied");
    await expectRefused(fx, () => resolve("/", "list", true), "PATH_OUTSIDE_PROJECT", "outside_root");
  });

  it("P5: look-alike siblings (prefix trap, CVE-2025-53110) are outside", async () => {
    await expectRefused(fx, () => resolve("../proj2/x"), "PATH_OUTSIDE_PROJECT", "outside_root");
    for (const sibling of ["proj2/x", "proj_backup/x", "proj/../proj2/x"]) {
      await expectRefused(
        fx,
        () => resolve(join(fx.base, sibling)),
        "PATH_OUTSIDE_PROJECT",
        "absolute_denied",
      );
      await expectRefused(
        fx,
        () => resolve(join(fx.base, sibling), "read", true),
        "PATH_OUTSIDE_PROJECT",
        "outside_root",
      );
    }
  });
});

describe.skipIf(!canSymlink)(`symlink escapes${skipped(canSymlink, "symlinks")}`, () => {
  it("P6: a link to an outside file is symlink_escape for every op", async () => {
    await symlink("../../outside/secret.txt", join(fx.root, "src/leak"));
    for (const op of ["read", "list", "write", "delete"] as const) {
      await expectRefused(fx, () => resolve("src/leak", op), "PATH_OUTSIDE_PROJECT", "symlink_escape");
    }
  });

  it("P7: a new file under a link to an outside directory is symlink_escape and nothing is created (ENOENT not swallowed)", async () => {
    await symlink("../../outside", join(fx.root, "src/d"));
    await expectRefused(
      fx,
      () => resolve("src/d/new.txt", "write"),
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
    );
    await expectRefused(
      fx,
      () => writeFileInRoot({ root: fx.root, rel: "src/d/new.txt", bytes: "pwned", createParents: true }),
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
    );
    await expectRefused(
      fx,
      () => resolve("src/d/deeper/new.txt", "write"),
      "PATH_OUTSIDE_PROJECT",
      "symlink_escape",
    );
    await expect(access(join(fx.outside, "new.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("P8: a dangling link to a missing outside file is refused; the file is not created", async () => {
    await symlink("../../outside/created.txt", join(fx.root, "src/x"));
    for (const op of ["write", "read", "delete"] as const) {
      await expectRefused(fx, () => resolve("src/x", op), "PATH_OUTSIDE_PROJECT", "symlink_escape");
    }
    await expect(access(join(fx.outside, "created.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("P8: a dangling link through a dangling link to outside is refused too", async () => {
    await symlink("hop2/child", join(fx.root, "src/hop1"));
    await symlink("../../outside/made", join(fx.root, "src/hop2"));
    await expectRefused(fx, () => resolve("src/hop1/x", "write"), "PATH_OUTSIDE_PROJECT", "symlink_escape");
  });

  it("P9: a three-hop chain through scratch links ending outside is symlink_escape", async () => {
    await mkdir(join(fx.root, "scratch"));
    await symlink("../../outside-hop", join(fx.root, "scratch/one"));
    await symlink("../outside/secret.txt", join(fx.base, "outside-hop"));
    await symlink("../scratch/one", join(fx.root, "src/a-link"));
    await expectRefused(fx, () => resolve("src/a-link"), "PATH_OUTSIDE_PROJECT", "symlink_escape");
    // And a chain that stays inside the whole way is fine.
    await symlink("../src/pub.txt", join(fx.root, "scratch/two"));
    await symlink("../scratch/two", join(fx.root, "src/b-link"));
    expect((await resolve("src/b-link")).rel).toBe("src/pub.txt");
  });

  it("a link whose target climbs with `..` through another link is judged by where the kernel goes", async () => {
    await mkdir(join(fx.outside, "deep/er"), { recursive: true });
    await symlink("../../outside/deep/er", join(fx.root, "src/sub"));
    // Lexically `sub/../../x` would be `x` inside the root; really it is outside/deep/x.
    await symlink("sub/../../x", join(fx.root, "src/tricky"));
    await expectRefused(fx, () => resolve("src/tricky", "write"), "PATH_OUTSIDE_PROJECT", "symlink_escape");
  });

  it("a link to the root's parent, to `/` and to an absolute outside path are symlink_escape", async () => {
    await symlink("..", join(fx.root, "up"));
    await symlink("/", join(fx.root, "slash"));
    await symlink(fx.outside, join(fx.root, "abs-out"));
    for (const requested of ["up/outside/secret.txt", "slash/etc/passwd", "abs-out/secret.txt", "up"]) {
      await expectRefused(fx, () => resolve(requested), "PATH_OUTSIDE_PROJECT", "symlink_escape");
    }
  });

  it("P14: links to /proc/self/environ, /proc/self/root, /dev/zero and /dev/stdin are symlink_escape", async () => {
    for (const [name, target] of [
      ["environ", "/proc/self/environ"],
      ["procroot", "/proc/self/root"],
      ["zero", "/dev/zero"],
      ["stdin", "/dev/stdin"],
    ] as const) {
      await symlink(target, join(fx.root, name));
      await expectRefused(fx, () => resolve(name), "PATH_OUTSIDE_PROJECT", "symlink_escape");
    }
  });

  it("P10 counterpart: the root's own symlinked spelling does not widen containment", async () => {
    const linkedRoot = join(fx.base, "linked-root");
    await symlink(fx.root, linkedRoot);
    await expectRefused(
      fx,
      () =>
        resolveInRoot({
          root: linkedRoot,
          requested: join(fx.base, "linked-root2/x"),
          op: "read",
          allowAbsolute: true,
        }),
      "PATH_OUTSIDE_PROJECT",
      "outside_root",
    );
    await expectRefused(
      fx,
      () => resolveInRoot({ root: linkedRoot, requested: "../outside/secret.txt", op: "read" }),
      "PATH_OUTSIDE_PROJECT",
      "outside_root",
    );
  });
});

describe.skipIf(!canFifo)(`special files${skipped(canFifo, "mkfifo")}`, () => {
  it("P14: a FIFO inside the root is PATH_SPECIAL_FILE for every op", async () => {
    expect(makeFifo(join(fx.root, "src/pipe"))).toBe(true);
    for (const op of ["read", "write", "list", "delete"] as const) {
      await expectRefused(fx, () => resolve("src/pipe", op), "PATH_SPECIAL_FILE", "special_file");
    }
  });
});
