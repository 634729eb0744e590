import { rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createItem, fixture, tempDir, writeRaw } from "../test-support/fixture";

// A tool whose module is a path in its space is verified over the module's bytes too. The item reader
// remembers that verification by the definition's bytes and the module file's identity (device, inode,
// size, mtime, ctime), so a repeated call does not read and check the module again: every way of
// changing the module under a remembered verification must still be caught.

const SINK = "export const createSink = () => ({});\n";
const EVIL = "export const createSink = () => ({ evil: true });\n";
const SAME_LENGTH_EVIL = SINK.replace("({})", "([])");

async function sinkFixture() {
  const f = await fixture();
  const module = await writeRaw(f.projectRoot, ".ai/tools/sinks/my_sink.mjs", SINK);
  const yaml = [
    "tool_id: my_sink",
    "tool_type: sink",
    'version: "1.0.0"',
    "description: A sink",
    "module: ./my_sink.mjs",
    "export: createSink",
    "requires: none",
    "",
  ].join("\n");
  await createItem(f, "tool", "my_sink", yaml, { category: "sinks" });
  const load = async () => {
    const r = await f.kernel.load({ item_type: "tool", item_id: "my_sink" });
    return r.success ? "ok" : `${r.error!.code}/${String(r.error!.reason)}`;
  };
  // Verified twice: the second is answered from what the reader remembers.
  expect(await load()).toBe("ok");
  expect(await load()).toBe("ok");
  return { f, module, load };
}

describe("remembered module verification (battery I4)", () => {
  it("refuses a module rewritten in place with the same size and its mtime restored", async () => {
    const { module, load } = await sinkFixture();
    expect(SAME_LENGTH_EVIL.length).toBe(SINK.length);
    const before = await stat(module);
    await writeFile(module, SAME_LENGTH_EVIL);
    await utimes(module, before.atime, before.mtime);
    expect(await load()).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("refuses a module swapped for another file by rename", async () => {
    const { f, module, load } = await sinkFixture();
    const other = await writeRaw(f.projectRoot, ".ai/tools/sinks/other.mjs", EVIL);
    await rename(other, module);
    expect(await load()).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("refuses a module replaced by a link leading outside the space, even to the same bytes", async () => {
    const { module, load } = await sinkFixture();
    const outside = join(await tempDir("kiwi-outside-"), "my_sink.mjs");
    await writeFile(outside, SINK);
    await rm(module);
    await symlink(outside, module);
    expect(await load()).toMatch(/^PATH_OUTSIDE_PROJECT\//);
  });

  it("refuses a module that is gone", async () => {
    const { module, load } = await sinkFixture();
    await rm(module);
    expect(await load()).toMatch(/^PLUGIN_LOAD_FAILED\//);
  });

  it("accepts the module again once it is put back byte for byte", async () => {
    const { module, load } = await sinkFixture();
    await writeFile(module, EVIL);
    expect(await load()).toBe("INTEGRITY_MISMATCH/modified");
    await writeFile(module, SINK);
    expect(await load()).toBe("ok");
  });
});
