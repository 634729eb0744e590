import { closeSync, writeSync } from "node:fs";
import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type OpenFileInRootOptions, openFdInRoot, openFileInRoot } from "./open-file-in-root";
import { prepareWriteInRoot } from "./prepare-write-in-root";
import { expectRefused, makeSandbox, type SandboxFixture } from "./sandbox-fixture";

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "logs/old.jsonl": "line 1\n" });
});
afterEach(() => fx.cleanup());

/** Both openers behind one shape: the FileHandle one and the plain-descriptor one share every check. */
const OPENERS = {
  openFileInRoot: async (options: OpenFileInRootOptions) => {
    const opened = await openFileInRoot(options);
    return {
      ...opened,
      write: (text: string) => opened.handle.write(text),
      close: () => opened.handle.close(),
    };
  },
  openFdInRoot: async (options: OpenFileInRootOptions) => {
    const opened = await openFdInRoot(options);
    return {
      ...opened,
      write: async (text: string) => writeSync(opened.fd, text),
      close: async () => closeSync(opened.fd),
    };
  },
};

describe.each(Object.entries(OPENERS))("%s", (_name, openIn) => {
  async function append(rel: string, text: string, options: { append?: boolean; mode?: number } = {}) {
    const opened = await openIn({ root: fx.root, rel, createParents: true, ...options });
    try {
      await opened.write(text);
    } finally {
      await opened.close();
    }
    return opened;
  }

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
      () => openIn({ root: fx.root, rel: "missing/x.jsonl" }),
      "PATH_NOT_FOUND",
      "not_found",
    );
    expect(await readdir(fx.root)).toEqual(["logs"]);
  });

  it("refuses a folder, a hard-linked file and a final link (even one pointing inside)", async () => {
    await expectRefused(fx, () => openIn({ root: fx.root, rel: "logs" }), "PATH_INVALID", "is_directory");
    await link(join(fx.root, "logs/old.jsonl"), join(fx.root, "logs/twin.jsonl"));
    await expectRefused(
      fx,
      () => openIn({ root: fx.root, rel: "logs/twin.jsonl", append: true }),
      "PATH_INVALID",
      "hard_link",
    );
    await symlink("old.jsonl", join(fx.root, "logs/alias.jsonl"));
    await expectRefused(
      fx,
      () => openIn({ root: fx.root, rel: "logs/alias.jsonl", append: true }),
      "PATH_INVALID",
      "final_symlink",
    );
    expect(await readFile(join(fx.root, "logs/old.jsonl"), "utf8")).toBe("line 1\n");
  });

  it("a final link leading outside is symlink_escape marked final_link; a folder link is not", async () => {
    await symlink(join(fx.outside, "secret.txt"), join(fx.root, "leak.jsonl"));
    await symlink(fx.outside, join(fx.root, "out"));
    await expect(openIn({ root: fx.root, rel: "leak.jsonl" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
      context: expect.objectContaining({ reason: "symlink_escape", final_link: true }),
    });
    const folder = await openIn({ root: fx.root, rel: "out/x.jsonl" }).catch((e) => e);
    expect(folder).toMatchObject({ code: "PATH_OUTSIDE_PROJECT", context: { reason: "symlink_escape" } });
    expect(folder.context.final_link).toBeUndefined();
    await expectRefused(fx, () => openIn({ root: fx.root, rel: "leak.jsonl" }), "PATH_OUTSIDE_PROJECT");
  });

  it("refuses protected paths unless the writer holds their capability, before creating any folder", async () => {
    await expectRefused(
      fx,
      () => openIn({ root: fx.root, rel: ".ai/threads/t1/events.jsonl", createParents: true }),
      "PATH_PROTECTED",
      "protected",
    );
    await expectRefused(
      fx,
      () =>
        openIn({
          root: fx.root,
          rel: ".git/hooks/pre-commit",
          createParents: true,
          systemCaps: ["registry.write", "item.sign", "extractor.modify"],
        }),
      "PATH_PROTECTED",
      "protected",
    );
    expect(await readdir(fx.root)).toEqual(["logs"]);
    const opened = await openIn({
      root: fx.root,
      rel: ".ai/threads/t1/events.jsonl",
      createParents: true,
      systemCaps: ["registry.write"],
    });
    await opened.close();
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
