import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteInRoot } from "./delete-in-root";
import { listDirInRoot } from "./list-dir-in-root";
import { readFileInRoot } from "./read-file-in-root";
import { expectRefused, makeSandbox, type SandboxFixture } from "./sandbox-fixture";
import { writeFileInRoot } from "./write-file-in-root";

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "src/a.ts": "A", "src/lib/b.ts": "BB", "src/lib/deep/c.ts": "CCC", "README.md": "readme" });
});
afterEach(() => fx.cleanup());

describe("readFileInRoot", () => {
  it("reads a regular file", async () => {
    expect((await readFileInRoot({ root: fx.root, rel: "src/lib/b.ts", maxBytes: 100 })).toString()).toBe(
      "BB",
    );
  });

  it("refuses files over maxBytes with FILE_TOO_LARGE and reads a file of exactly maxBytes", async () => {
    expect((await readFileInRoot({ root: fx.root, rel: "src/lib/deep/c.ts", maxBytes: 3 })).toString()).toBe(
      "CCC",
    );
    await expectRefused(
      fx,
      () => readFileInRoot({ root: fx.root, rel: "src/lib/deep/c.ts", maxBytes: 2 }),
      "FILE_TOO_LARGE",
      "too_large",
    );
  });

  it("reads files larger than one chunk", async () => {
    const big = Buffer.alloc(200_000, 7);
    await writeFile(join(fx.root, "big.bin"), big);
    expect((await readFileInRoot({ root: fx.root, rel: "big.bin", maxBytes: 200_000 })).equals(big)).toBe(
      true,
    );
  });

  it("missing file → PATH_NOT_FOUND; directory → PATH_INVALID is_directory", async () => {
    await expectRefused(
      fx,
      () => readFileInRoot({ root: fx.root, rel: "nope.txt", maxBytes: 10 }),
      "PATH_NOT_FOUND",
      "not_found",
    );
    await expectRefused(
      fx,
      () => readFileInRoot({ root: fx.root, rel: "src", maxBytes: 10 }),
      "PATH_INVALID",
      "is_directory",
    );
  });

  it("takes only canonical rel paths (what resolveInRoot returned)", async () => {
    for (const rel of ["src/../src/a.ts", "./src/a.ts", "src//a.ts"]) {
      await expectRefused(
        fx,
        () => readFileInRoot({ root: fx.root, rel, maxBytes: 10 }),
        "PATH_INVALID",
        "not_canonical",
      );
    }
  });

  it("S6/P28: `.git/**` is PATH_PROTECTED even for reads; `.ai` items are readable", async () => {
    await fx.put({
      ".git/config": "[remote] url = https://token@host/x",
      ".ai/directives/d.md": "directive",
    });
    await expectRefused(
      fx,
      () => readFileInRoot({ root: fx.root, rel: ".git/config", maxBytes: 100 }),
      "PATH_PROTECTED",
      "protected",
    );
    expect(
      (await readFileInRoot({ root: fx.root, rel: ".ai/directives/d.md", maxBytes: 100 })).toString(),
    ).toBe("directive");
  });
});

describe("writeFileInRoot", () => {
  it("creates, overwrites atomically and returns the byte count", async () => {
    expect(await writeFileInRoot({ root: fx.root, rel: "src/new.ts", bytes: "héllo" })).toEqual({
      rel: "src/new.ts",
      bytes: 6,
    });
    expect(await readFile(join(fx.root, "src/new.ts"), "utf8")).toBe("héllo");
    const before = await stat(join(fx.root, "src/a.ts"));
    await writeFileInRoot({ root: fx.root, rel: "src/a.ts", bytes: new Uint8Array([65, 66]) });
    expect(await readFile(join(fx.root, "src/a.ts"), "utf8")).toBe("AB");
    // rename gives the file a new inode: nothing ever writes into the old one in place.
    expect((await stat(join(fx.root, "src/a.ts"))).ino).not.toBe(before.ino);
  });

  it("keeps an existing file's permission bits and never leaves temp files behind", async () => {
    await chmod(join(fx.root, "src/a.ts"), 0o640);
    await writeFileInRoot({ root: fx.root, rel: "src/a.ts", bytes: "x" });
    expect((await stat(join(fx.root, "src/a.ts"))).mode & 0o777).toBe(0o640);
    const listing = await listDirInRoot({ root: fx.root, rel: "src", maxEntries: 100 });
    expect(listing.entries.map((e) => e.rel)).not.toContainEqual(expect.stringContaining("kiwi-tmp"));
  });

  it("creates missing parents only with createParents", async () => {
    await expectRefused(
      fx,
      () => writeFileInRoot({ root: fx.root, rel: "gen/x/y.js", bytes: "1" }),
      "PATH_NOT_FOUND",
      "not_found",
    );
    await writeFileInRoot({ root: fx.root, rel: "gen/x/y.js", bytes: "1", createParents: true });
    expect(await readFile(join(fx.root, "gen/x/y.js"), "utf8")).toBe("1");
  });

  it("refuses to replace a directory", async () => {
    await expectRefused(
      fx,
      () => writeFileInRoot({ root: fx.root, rel: "src/lib", bytes: "x" }),
      "PATH_INVALID",
      "is_directory",
    );
  });

  it("P28: protected paths need their system capability; `.git` never opens", async () => {
    const cases: [string, string | undefined][] = [
      [".ai/directives/x.md", "item.sign"],
      [".ai/tools/github/list.yaml", "item.sign"],
      [".ai/tools/capabilities/fs.yaml", "extractor.modify"],
      [".ai/extractors/x.ts", "extractor.modify"],
      [".ai/threads/registry.db", "registry.write"],
      [".ai/threads/other-thread/transcript.jsonl", "registry.write"],
      [".kiwi/keys/signing.key", undefined],
      [".git/config", undefined],
      ["vendor/dep/.git/hooks/pre-commit", undefined],
    ];
    const all = ["item.sign", "extractor.modify", "registry.write", "fs.absolute"];
    for (const [rel, needs] of cases) {
      const write = (systemCaps: string[]) =>
        writeFileInRoot({ root: fx.root, rel, bytes: "x", createParents: true, systemCaps });
      await expectRefused(fx, () => write([]), "PATH_PROTECTED", "protected");
      if (needs === undefined) await expectRefused(fx, () => write(all), "PATH_PROTECTED", "protected");
      else {
        await expectRefused(fx, () => write(all.filter((c) => c !== needs)), "PATH_PROTECTED", "protected");
        await expect(write([needs])).resolves.toEqual({ rel, bytes: 1 });
      }
    }
  });
});

describe("listDirInRoot", () => {
  it("lists one level, sorted, with types", async () => {
    expect(await listDirInRoot({ root: fx.root, rel: "src", maxEntries: 100 })).toEqual({
      entries: [
        { rel: "src/a.ts", type: "file" },
        { rel: "src/lib", type: "directory" },
      ],
      truncated: false,
    });
  });

  it("lists the root recursively and bounds the result", async () => {
    const all = await listDirInRoot({ root: fx.root, rel: "", recursive: true, maxEntries: 100 });
    expect(all.entries.map((e) => e.rel)).toEqual([
      "README.md",
      "src",
      "src/a.ts",
      "src/lib",
      "src/lib/b.ts",
      "src/lib/deep",
      "src/lib/deep/c.ts",
    ]);
    const some = await listDirInRoot({ root: fx.root, rel: "", recursive: true, maxEntries: 3 });
    expect(some).toEqual({ entries: all.entries.slice(0, 3), truncated: true });
  });

  it("reports `.git` without entering it", async () => {
    await fx.put({ ".git/config": "secret" });
    const listing = await listDirInRoot({ root: fx.root, rel: "", recursive: true, maxEntries: 100 });
    expect(listing.entries).toContainEqual({
      rel: ".git",
      type: "directory",
      skipped: true,
      reason: "protected",
    });
    expect(listing.entries.map((e) => e.rel)).not.toContain(".git/config");
    await expectRefused(
      fx,
      () => listDirInRoot({ root: fx.root, rel: ".git", maxEntries: 10 }),
      "PATH_PROTECTED",
      "protected",
    );
  });

  it("flags names no request could use, JSON-safe", async () => {
    await mkdir(join(fx.root, "odd"));
    await writeFile(join(fx.root, "odd", "a\nb"), "x");
    await writeFile(join(fx.root, "odd", "CON"), "x");
    const listing = await listDirInRoot({ root: fx.root, rel: "odd", maxEntries: 10 });
    expect(listing.entries).toEqual([
      { rel: "odd/CON", type: "file", skipped: true, reason: "invalid_name" },
      { rel: "odd/a\nb", type: "file", skipped: true, reason: "invalid_name" },
    ]);
    expect(JSON.stringify(listing)).not.toContain("\n");
  });

  it("refuses files and missing directories", async () => {
    await expectRefused(
      fx,
      () => listDirInRoot({ root: fx.root, rel: "src/a.ts", maxEntries: 10 }),
      "PATH_INVALID",
      "not_directory",
    );
    await expectRefused(
      fx,
      () => listDirInRoot({ root: fx.root, rel: "nope", maxEntries: 10 }),
      "PATH_NOT_FOUND",
      "not_found",
    );
  });
});

describe("deleteInRoot", () => {
  it("deletes a file, an empty directory, and a tree only with recursive", async () => {
    expect(await deleteInRoot({ root: fx.root, rel: "src/a.ts" })).toEqual({ rel: "src/a.ts", removed: 1 });
    await mkdir(join(fx.root, "empty"));
    expect(await deleteInRoot({ root: fx.root, rel: "empty" })).toEqual({ rel: "empty", removed: 1 });
    await expectRefused(fx, () => deleteInRoot({ root: fx.root, rel: "src" }), "PATH_INVALID", "not_empty");
    expect(await deleteInRoot({ root: fx.root, rel: "src", recursive: true })).toEqual({
      rel: "src",
      removed: 5,
    });
    await expectRefused(fx, () => deleteInRoot({ root: fx.root, rel: "src" }), "PATH_NOT_FOUND", "not_found");
  });

  it("P23: never deletes the root", async () => {
    await expectRefused(
      fx,
      () => deleteInRoot({ root: fx.root, rel: "", recursive: true }),
      "PATH_PROTECTED",
      "project_root",
    );
    expect(await readFile(join(fx.root, "README.md"), "utf8")).toBe("readme");
  });

  it("refuses a recursive delete over a protected descendant before removing anything", async () => {
    await fx.put({ "vendor/dep/index.js": "x", "vendor/dep/.git/HEAD": "ref" });
    await expectRefused(
      fx,
      () => deleteInRoot({ root: fx.root, rel: "vendor", recursive: true }),
      "PATH_PROTECTED",
      "protected",
    );
    expect(await readFile(join(fx.root, "vendor/dep/index.js"), "utf8")).toBe("x");
    await fx.put({ ".ai/tools/capabilities/fs.yaml": "cap", ".ai/tools/t.yaml": "tool" });
    await expectRefused(
      fx,
      () => deleteInRoot({ root: fx.root, rel: ".ai/tools", recursive: true, systemCaps: ["item.sign"] }),
      "PATH_PROTECTED",
      "protected",
    );
    expect(await readFile(join(fx.root, ".ai/tools/t.yaml"), "utf8")).toBe("tool");
    expect(
      await deleteInRoot({
        root: fx.root,
        rel: ".ai/tools",
        recursive: true,
        systemCaps: ["item.sign", "extractor.modify"],
      }),
    ).toEqual({ rel: ".ai/tools", removed: 4 });
  });

  it("bounds the size of a recursive delete", async () => {
    await expectRefused(
      fx,
      () => deleteInRoot({ root: fx.root, rel: "src", recursive: true, maxEntries: 3 }),
      "PATH_INVALID",
      "too_many_entries",
    );
    expect(await readFile(join(fx.root, "src/a.ts"), "utf8")).toBe("A");
  });
});
