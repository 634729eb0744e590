import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  readRegularFile,
  readRegularFileIfExists,
  readRegularFileSync,
  readRegularFileSyncIfExists,
} from "./read-regular-file";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiwi-regular-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readRegularFile", () => {
  it("reads a regular file's bytes with the fstat of what was read", async () => {
    await writeFile(join(dir, "a.txt"), "hello");
    const sync = readRegularFileSync(join(dir, "a.txt"), { maxBytes: 5 });
    const async = await readRegularFile(join(dir, "a.txt"), { maxBytes: 5 });
    expect(sync.bytes.toString()).toBe("hello");
    expect(async.bytes.toString()).toBe("hello");
    expect(sync.stats.ino).toBe((await stat(join(dir, "a.txt"))).ino);
    await writeFile(join(dir, "empty"), "");
    expect(readRegularFileSync(join(dir, "empty"), { maxBytes: 0 }).bytes.length).toBe(0);
  });

  it("a missing file is PATH_NOT_FOUND, or undefined from the IfExists forms (also under a file)", async () => {
    await writeFile(join(dir, "file"), "x");
    expect(() => readRegularFileSync(join(dir, "nope"), { maxBytes: 5, label: "nope" })).toThrow(
      expect.objectContaining({ code: "PATH_NOT_FOUND", message: expect.stringContaining('"nope"') }),
    );
    await expect(readRegularFile(join(dir, "nope"), { maxBytes: 5 })).rejects.toMatchObject({
      code: "PATH_NOT_FOUND",
    });
    expect(readRegularFileSyncIfExists(join(dir, "nope"), { maxBytes: 5 })).toBeUndefined();
    expect(readRegularFileSyncIfExists(join(dir, "file", "below"), { maxBytes: 5 })).toBeUndefined();
    expect(await readRegularFileIfExists(join(dir, "nope"), { maxBytes: 5 })).toBeUndefined();
  });
});
