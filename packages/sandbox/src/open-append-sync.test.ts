import { spawnSync } from "node:child_process";
import { closeSync, writeSync } from "node:fs";
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAppendSync } from "./open-append-sync";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiwi-append-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function appendLine(file: string, line: string, read?: boolean): number {
  const { fd, size } = openAppendSync(file, { read });
  try {
    writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
  return size;
}

describe("openAppendSync", () => {
  it("creates a private file (0600 by default) and appends to it, reporting the size found", async () => {
    const file = join(dir, "t.jsonl");
    expect(appendLine(file, "one")).toBe(0);
    expect(appendLine(file, "two", true)).toBe(4);
    expect(await readFile(file, "utf8")).toBe("one\ntwo\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("never writes through a symlink, dangling or not", async () => {
    const target = join(dir, "target.txt");
    await writeFile(target, "ORIGINAL");
    await symlink(target, join(dir, "link.jsonl"));
    await symlink(join(dir, "nowhere.txt"), join(dir, "dangling.jsonl"));
    for (const name of ["link.jsonl", "dangling.jsonl"]) {
      expect(() => openAppendSync(join(dir, name))).toThrow(
        expect.objectContaining({
          code: "PATH_INVALID",
          context: expect.objectContaining({ reason: "final_symlink" }),
        }),
      );
    }
    expect(await readFile(target, "utf8")).toBe("ORIGINAL");
    await expect(stat(join(dir, "nowhere.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a folder and a file with several hard links", async () => {
    await mkdir(join(dir, "folder"));
    expect(() => openAppendSync(join(dir, "folder"))).toThrow(
      expect.objectContaining({
        code: "PATH_INVALID",
        context: expect.objectContaining({ reason: "is_directory" }),
      }),
    );
    await writeFile(join(dir, "a.jsonl"), "A\n");
    await link(join(dir, "a.jsonl"), join(dir, "b.jsonl"));
    expect(() => openAppendSync(join(dir, "b.jsonl"))).toThrow(
      expect.objectContaining({
        code: "PATH_INVALID",
        context: expect.objectContaining({ reason: "hard_link" }),
      }),
    );
    expect(await readFile(join(dir, "a.jsonl"), "utf8")).toBe("A\n");
  });

  it("refuses a FIFO without blocking", () => {
    const fifo = join(dir, "pipe.jsonl");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo on this platform
    for (const read of [false, true]) {
      expect(() => openAppendSync(fifo, { read })).toThrow(
        expect.objectContaining({ code: "PATH_SPECIAL_FILE" }),
      );
    }
  });
});
