// A sink path is checked (fs.write scope, protected paths) before the sink opens it: a folder on the path
// swapped for a symlink between that check and the open must not move the write to a path nobody checked —
// not outside the project, and not to another folder inside it. The swap is deterministic: a sink listed
// before file_sink swaps the folder in its factory, i.e. after the guard allowed the call and before
// file_sink opens (destinations are instantiated in order).
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mintToken } from "@kiwi/capabilities";
import { describe, expect, it } from "vitest";
import { createItem, fixture, ok, tempDir, toolYaml, treeDigest, writeRaw } from "../test-support/fixture";

const SWAP_MODULE = `
import { rmSync, symlinkSync } from "node:fs";
import { isAbsolute, join } from "node:path";
export function createSwapSink(settings, context) {
  if (settings.at) {
    const at = join(context.projectRoot, settings.at);
    rmSync(at, { recursive: true, force: true });
    symlinkSync(isAbsolute(settings.to) ? settings.to : join(context.projectRoot, settings.to), at);
  }
  return { specificationVersion: "sink-v1", id: "swap_sink", write() {}, async close() {} };
}
createSwapSink.settingsSchema = {
  "~standard": { version: 1, vendor: "test", validate: (v) => ({ value: v }) },
};
`;

const SWAP_YAML = [
  "tool_id: swap_sink",
  "tool_type: sink",
  'version: "1.0.0"',
  "description: Swaps a folder for a symlink when instantiated (tests)",
  "module: ./swap_sink.mjs",
  "export: createSwapSink",
  "requires: none",
  "",
].join("\n");

const failure = (r: { success: boolean }) =>
  r.success
    ? { code: "ok", message: "" }
    : (r as unknown as { error: { code: string; message: string } }).error;

/** A subprocess tool streaming "line" to file_sink at {path}, after swap_sink swapped {at} for a link to {to}. */
async function setup(scope: string) {
  // The bundled core space brings file_sink (module @kiwi/sinks/node); the real capability guard runs.
  const f = await fixture({ coreSpace: undefined });
  await writeRaw(f.projectRoot, ".ai/tools/sinks/swap_sink.mjs", SWAP_MODULE);
  await createItem(f, "tool", "swap_sink", SWAP_YAML, { category: "sinks" });
  await createItem(
    f,
    "tool",
    "tee",
    toolYaml({
      id: "tee",
      executor: "subprocess",
      requires: "[process.exec]",
      params: [
        "  - name: path\n    type: string\n    required: true",
        "  - name: at\n    type: string\n    required: true",
        "  - name: to\n    type: string\n    required: true",
      ].join("\n"),
      config: [
        "  command: printf",
        '  args: ["line\\\\n"]',
        "  stream:",
        "    destinations:",
        "      - type: swap_sink",
        '        at: "{at}"',
        '        to: "{to}"',
        "      - type: file_sink",
        '        path: "{path}"',
        "        format: raw",
        "",
      ].join("\n"),
    }),
  );
  const { token } = await mintToken({
    key: await f.kernel.signingKey(),
    grants: [
      { cap: "kiwi.execute" },
      { cap: "tool.execute", scope: "tee" },
      { cap: "process.exec" },
      { cap: "fs.write", scope },
    ],
    directiveId: "d",
    threadId: "t1",
  });
  const run = (parameters: { path: string; at: string; to: string }) =>
    f.kernel.execute(
      { item_type: "tool", action: "run", item_id: "tee", parameters },
      { meta: { __auth: token, __thread_id: "t1" } },
    );
  await mkdir(join(f.projectRoot, "out/t1"), { recursive: true });
  await mkdir(join(f.projectRoot, "src"), { recursive: true });
  await writeFile(join(f.projectRoot, "src/victim.txt"), "VICTIM");
  return { f, run };
}

describe("sink paths: the path the guard checked is the path opened", () => {
  it("a checked folder swapped for a link to another project folder: refused (link_in_path), nothing lands there", async () => {
    const { f, run } = await setup("out/**");
    const r = await run({ path: "out/t1/log.txt", at: "out/t1", to: "src" });
    expect(failure(r)).toMatchObject({ code: "PATH_OUTSIDE_PROJECT" });
    expect(failure(r).message).toMatch(/became one after the path was checked/);
    expect(await readdir(join(f.projectRoot, "src"))).toEqual(["victim.txt"]);
  });

  it("a checked folder swapped for a link out of the project: refused, nothing written outside", async () => {
    const { run } = await setup("out/**");
    const outside = await tempDir("outside");
    const r = await run({ path: "out/t1/log.txt", at: "out/t1", to: outside });
    expect(failure(r)).toMatchObject({ code: "PATH_OUTSIDE_PROJECT" });
    expect(await readdir(outside)).toEqual([]);
  });

  it("a folder missing at the check, planted as a link before the open: refused, not created through", async () => {
    const { f, run } = await setup("out/**");
    const r = await run({ path: "out/new/deeper/log.txt", at: "out/new", to: "src" });
    expect(failure(r)).toMatchObject({ code: "PATH_OUTSIDE_PROJECT" });
    expect(await readdir(join(f.projectRoot, "src"))).toEqual(["victim.txt"]);
  });

  it("the checked file swapped for a link to another file: refused (symlink_final), the target unchanged", async () => {
    const { f, run } = await setup("out/**");
    const r = await run({ path: "out/t1/log.txt", at: "out/t1/log.txt", to: "src/victim.txt" });
    expect(failure(r)).toMatchObject({ code: "PATH_OUTSIDE_PROJECT" });
    expect(failure(r).message).toMatch(/the file itself is a symlink/);
    expect(await readFile(join(f.projectRoot, "src/victim.txt"), "utf8")).toBe("VICTIM");
  });

  it("a path through a link is checked where it leads, and the sink opens that resolved path even if the link is re-pointed", async () => {
    // Only out/real/** is writable; out/alias -> out/real at the check, re-pointed to src before the open.
    const { f, run } = await setup("out/real/**");
    await mkdir(join(f.projectRoot, "out/real"));
    await symlink(join(f.projectRoot, "out/real"), join(f.projectRoot, "out/alias"));
    ok(await run({ path: "out/alias/log.txt", at: "out/alias", to: "src" }));
    expect(await readFile(join(f.projectRoot, "out/real/log.txt"), "utf8")).toBe("line\n");
    expect(existsSync(join(f.projectRoot, "src/log.txt"))).toBe(false);
  });

  it("a link that leads out of the writable scope at the check is refused by the guard before anything opens", async () => {
    const { f, run } = await setup("out/**");
    await symlink(join(f.projectRoot, "src"), join(f.projectRoot, "out/to-src"));
    const before = await treeDigest(f.projectRoot);
    // `at: ""` swaps nothing.
    const r = await run({ path: "out/to-src/log.txt", at: "", to: "" });
    expect(failure(r)).toMatchObject({ code: "CAPABILITY_DENIED", required: "fs.write src/log.txt" });
    expect(await treeDigest(f.projectRoot)).toBe(before);
    await rm(join(f.projectRoot, "out/to-src"));
  });
});
