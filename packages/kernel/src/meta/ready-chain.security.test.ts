// `execute` reuses a prepared chain between calls. Every change to a link's file must be seen on the very
// next call, not after the index TTL: the index here is kept for a minute, so only the per-call identity
// check can notice.
import { readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKernel } from "../create-kernel";
import { createItem, fixture, toolYaml, writeRaw } from "../test-support/fixture";

type F = Awaited<ReturnType<typeof fixture>>;

async function chained() {
  const f = await fixture({ indexTtlMs: 60_000 });
  await createItem(f, "tool", "c1", toolYaml({ id: "c1", config: "  level: one\n  c1: true\n" }));
  await createItem(f, "tool", "c2", toolYaml({ id: "c2", executor: "c1", config: "  level: two\n" }));
  await createItem(f, "tool", "c3", toolYaml({ id: "c3", executor: "c2", config: "  c3: true\n" }));
  const run = () => f.kernel.execute({ item_type: "tool", action: "run", item_id: "c3" });
  for (let i = 0; i < 3; i++) {
    expect(await run()).toMatchObject({
      success: true,
      chain: ["c3", "c2", "c1", "echo"],
      result: { config: { level: "two", c1: true, c3: true } },
    });
  }
  return { ...f, run, file: (id: string) => join(f.projectRoot, ".ai/tools", `${id}.yaml`) };
}

/** Another process (same user key) rewrites a tool and signs it: the kernel under test is not told. */
async function resignElsewhere(f: F, id: string, content: string) {
  const other = await createKernel({
    personAtTerminal: true,
    projectRoot: f.projectRoot,
    userSpace: f.userSpace,
    coreSpace: false,
    pluginSpaces: false,
  });
  const r = await other.execute({
    item_type: "tool",
    action: "update",
    item_id: id,
    parameters: { content },
  });
  expect(r.success).toBe(true);
}

const reason = (r: { success: boolean; error?: { code: string; reason?: unknown } }) =>
  r.success ? "ran" : `${r.error!.code}/${String(r.error!.reason)}`;

describe("execute reuses a prepared chain only while its files are unchanged", () => {
  it("sees an unsigned edit of the deepest link on the next call", async () => {
    const f = await chained();
    await writeFile(f.file("c1"), `${await readFile(f.file("c1"), "utf8")}# edited\n`);
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/modified");
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("sees a same-size edit whose mtime was put back", async () => {
    const f = await chained();
    const file = f.file("c2");
    const before = await stat(file);
    await writeFile(file, (await readFile(file, "utf8")).replace("level: two", "level: TWO"));
    await utimes(file, before.atime, before.mtime);
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("runs the new definition on the next call after a link was re-signed elsewhere", async () => {
    const f = await chained();
    await resignElsewhere(f, "c2", toolYaml({ id: "c2", executor: "c1", config: "  level: re-signed\n" }));
    expect(await f.run()).toMatchObject({ success: true, result: { config: { level: "re-signed" } } });
    // And the new chain is reused in turn, then dropped again on the next change.
    expect(await f.run()).toMatchObject({ result: { config: { level: "re-signed" } } });
    await resignElsewhere(f, "c1", toolYaml({ id: "c1", config: "  level: one\n  c1: again\n" }));
    expect(await f.run()).toMatchObject({ result: { config: { level: "re-signed", c1: "again" } } });
  });

  it("sees a link replaced by another file (rename over it) and a link that was deleted", async () => {
    const f = await chained();
    const tmp = join(f.projectRoot, "c1.yaml.new");
    await writeFile(tmp, toolYaml({ id: "c1", config: "  level: unsigned\n" }));
    await rename(tmp, f.file("c1"));
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/unsigned");
    await rm(f.file("c2"));
    const r = await f.run();
    expect(r.success).toBe(false);
    expect((r as { error: { code: string } }).error.code).toMatch(/TOOL_CHAIN_FAILED|ITEM_NOT_FOUND/);
  });

  it("sees the head edited while the rest is unchanged", async () => {
    const f = await chained();
    await writeFile(f.file("c3"), toolYaml({ id: "c3", executor: "c2", config: "  c3: false\n" }));
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/unsigned");
  });
});

// The sink definitions a call streams to are reused the same way (read and verified once, then one lstat
// per call): an edit of the sink's YAML is seen on the next call too.
describe("execute reuses a verified sink definition only while its file is unchanged", () => {
  const SINK = (exported: string) =>
    [
      "tool_id: rec_sink",
      "tool_type: sink",
      'version: "1.0.0"',
      "description: Records events",
      "module: ./rec_sink.mjs",
      `export: ${exported}`,
      "requires: none",
      "",
    ].join("\n");
  const MODULE = ["one", "two"]
    .map(
      (tag) =>
        `export function ${tag}Sink() { return { specificationVersion: "sink-v1", id: "${tag}", write() { globalThis.__kiwiReuseLog.push("${tag}"); }, async close() {} }; }`,
    )
    .join("\n");

  async function streaming() {
    const log: string[] = [];
    (globalThis as { __kiwiReuseLog?: string[] }).__kiwiReuseLog = log;
    const f = await fixture({
      indexTtlMs: 60_000,
      guard: false,
      primitives: [
        {
          specificationVersion: "primitive-v1",
          id: "streamer",
          async run({ sinks = [] }) {
            for (const s of sinks) await s.write({ event: "message", data: "x" });
            return { success: true, sinks: sinks.length };
          },
        },
      ],
    });
    await writeRaw(f.projectRoot, ".ai/tools/sinks/rec_sink.mjs", `${MODULE}\n`);
    await createItem(f, "tool", "rec_sink", SINK("oneSink"), { category: "sinks" });
    await createItem(
      f,
      "tool",
      "streamy",
      toolYaml({
        id: "streamy",
        executor: "streamer",
        config: "  stream:\n    destinations:\n      - type: rec_sink\n",
      }),
    );
    const run = () => f.kernel.execute({ item_type: "tool", action: "run", item_id: "streamy" });
    for (let i = 0; i < 3; i++) expect(await run()).toMatchObject({ success: true, result: { sinks: 1 } });
    expect(log).toEqual(["one", "one", "one"]);
    return { ...f, run, log, file: join(f.projectRoot, ".ai/tools/sinks/rec_sink.yaml") };
  }

  it("sees an unsigned edit of the sink's definition on the next call", async () => {
    const f = await streaming();
    await writeFile(f.file, `${await readFile(f.file, "utf8")}# edited\n`);
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("sees the definition replaced by an unsigned file, then runs the one re-signed elsewhere", async () => {
    const f = await streaming();
    const tmp = join(f.projectRoot, "rec_sink.yaml.new");
    await writeFile(tmp, SINK("twoSink"));
    await rename(tmp, f.file);
    expect(reason(await f.run())).toBe("INTEGRITY_MISMATCH/unsigned");
    await resignElsewhere(f, "rec_sink", SINK("twoSink"));
    expect(await f.run()).toMatchObject({ success: true });
    expect(f.log).toEqual(["one", "one", "one", "two"]);
  });
});
