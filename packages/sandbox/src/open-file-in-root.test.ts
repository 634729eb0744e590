import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileInRoot } from "./open-file-in-root";
import { prepareWriteInRoot } from "./prepare-write-in-root";
import { expectRefused, makeSandbox, type SandboxFixture } from "./sandbox-fixture";

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "logs/old.jsonl": "line 1\n" });
});
afterEach(() => fx.cleanup());

async function append(rel: string, text: string, options: { append?: boolean; mode?: number } = {}) {
  const opened = await openFileInRoot({ root: fx.root, rel, createParents: true, ...options });
  try {
    await opened.handle.write(text);
  } finally {
    await opened.handle.close();
  }
  return opened;
}

describe("openFileInRoot", () => {
  it("appends to an existing file and reports the size to roll back to", async () => {
    const opened = await append("logs/old.jsonl", "line 2\n", { append: true });
    expect(opened).toMatchObject({ rel: "logs/old.jsonl", size: 7, created: [] });
    expect(opened.abs).toBe(join(fx.root, "logs/old.jsonl"));
    expect(opened.parent).toBe(join(fx.root, "logs"));
    expect(await readFile(join(fx.root, "logs/old.jsonl"), "utf8")).toBe("line 1\nline 2\n");
  });

  it("truncates when not appending, only after the checks", async () => {
    const opened = await append("logs/old.jsonl", "fresh\n");
    expect(opened.size).toBe(0);
    expect(await readFile(join(fx.root, "logs/old.jsonl"), "utf8")).toBe("fresh\n");
  });

  it("creates missing parents one at a time, reports them outermost first, gives a new file its mode", async () => {
    const opened = await append("a/b/c/new.jsonl", "x", { mode: 0o600 });
    expect(opened.created).toEqual([join(fx.root, "a"), join(fx.root, "a/b"), join(fx.root, "a/b/c")]);
    expect((await stat(join(fx.root, "a/b/c/new.jsonl"))).mode & 0o777).toBe(0o600);
  });

  it("without createParents a missing folder is PATH_NOT_FOUND and nothing is created", async () => {
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: "missing/x.jsonl" }),
      "PATH_NOT_FOUND",
      "not_found",
    );
    expect(await readdir(fx.root)).toEqual(["logs"]);
  });

  it("refuses a folder, a hard-linked file and a final link (even one pointing inside)", async () => {
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: "logs" }),
      "PATH_INVALID",
      "is_directory",
    );
    await link(join(fx.root, "logs/old.jsonl"), join(fx.root, "logs/twin.jsonl"));
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: "logs/twin.jsonl", append: true }),
      "PATH_INVALID",
      "hard_link",
    );
    await symlink("old.jsonl", join(fx.root, "logs/alias.jsonl"));
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: "logs/alias.jsonl", append: true }),
      "PATH_INVALID",
      "final_symlink",
    );
    expect(await readFile(join(fx.root, "logs/old.jsonl"), "utf8")).toBe("line 1\n");
  });

  it("a final link leading outside is symlink_escape marked final_link; a folder link is not", async () => {
    await symlink(join(fx.outside, "secret.txt"), join(fx.root, "leak.jsonl"));
    await symlink(fx.outside, join(fx.root, "out"));
    await expect(openFileInRoot({ root: fx.root, rel: "leak.jsonl" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
      context: expect.objectContaining({ reason: "symlink_escape", final_link: true }),
    });
    const folder = await openFileInRoot({ root: fx.root, rel: "out/x.jsonl" }).catch((e) => e);
    expect(folder).toMatchObject({ code: "PATH_OUTSIDE_PROJECT", context: { reason: "symlink_escape" } });
    expect(folder.context.final_link).toBeUndefined();
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: "leak.jsonl" }),
      "PATH_OUTSIDE_PROJECT",
    );
  });

  it("refuses protected paths unless the writer holds their capability, before creating any folder", async () => {
    await expectRefused(
      fx,
      () => openFileInRoot({ root: fx.root, rel: ".ai/threads/t1/events.jsonl", createParents: true }),
      "PATH_PROTECTED",
      "protected",
    );
    await expectRefused(
      fx,
      () =>
        openFileInRoot({
          root: fx.root,
          rel: ".git/hooks/pre-commit",
          createParents: true,
          systemCaps: ["registry.write", "item.sign", "extractor.modify"],
        }),
      "PATH_PROTECTED",
      "protected",
    );
    expect(await readdir(fx.root)).toEqual(["logs"]);
    const opened = await openFileInRoot({
      root: fx.root,
      rel: ".ai/threads/t1/events.jsonl",
      createParents: true,
      systemCaps: ["registry.write"],
    });
    await opened.handle.close();
  });
});

describe("prepareWriteInRoot", () => {
  it("checks every folder before creating the next: a file on the way stops it with nothing created below", async () => {
    await writeFile(join(fx.root, "f"), "a file");
    await expectRefused(
      fx,
      () => prepareWriteInRoot({ root: fx.root, rel: "f/sub/x.txt", createParents: true }),
      "PATH_INVALID",
      "not_directory",
    );
    await mkdir(join(fx.root, "d"));
    const prepared = await prepareWriteInRoot({ root: fx.root, rel: "d/e/x.txt", createParents: true });
    expect(prepared).toMatchObject({ rel: "d/e/x.txt", name: "x.txt", created: [join(fx.root, "d/e")] });
    expect(prepared.existingMode).toBeUndefined();
  });
});
