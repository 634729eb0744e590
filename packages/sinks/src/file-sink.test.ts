import { fsync, readFileSync, writeSync } from "node:fs";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SinkFactory } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFileSink } from "./file-sink";
import type { FileSinkSettings } from "./file-sink-settings";
import { makeTestProject, readLines, type TestProject } from "./test-project";

// The factory must fit the contract the loader calls.
const asFactory: SinkFactory<FileSinkSettings> = createFileSink;

let project: TestProject;
const fixedNow = () => new Date("2026-01-02T03:04:05.678Z");

beforeEach(async () => {
  project = await makeTestProject();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await project.cleanup();
});

function sink(settings: FileSinkSettings) {
  return createFileSink(settings, { projectRoot: project.root, toolId: "test_tool" }, { now: fixedNow });
}

describe("file_sink formats", () => {
  it("writes JSONL: one {event, data, id?, ts} object per line, data kept as the exact string", async () => {
    const s = await sink({ path: "out.jsonl" });
    await s.write({ event: "message", data: '{"a": 1}', id: "7" });
    await s.write({ event: "stdout", data: "5" });
    await s.write({ event: "message", data: "" });
    await s.close();
    const lines = await readLines(join(project.root, "out.jsonl"));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { event: "message", data: '{"a": 1}', id: "7", ts: "2026-01-02T03:04:05.678Z" },
      { event: "stdout", data: "5", ts: "2026-01-02T03:04:05.678Z" },
      { event: "message", data: "", ts: "2026-01-02T03:04:05.678Z" },
    ]);
    expect(lines[0]).toBe(
      '{"event":"message","data":"{\\"a\\": 1}","id":"7","ts":"2026-01-02T03:04:05.678Z"}',
    );
  });

  it("a payload holding a newline and a forged JSON line stays one record", async () => {
    const s = await sink({ path: "out.jsonl" });
    const forged = 'x\n{"event":"tool_call","data":"rm -rf"}\n';
    await s.write({ event: "message", data: forged });
    await s.write({ event: "message", data: "after" });
    await s.close();
    const lines = await readLines(join(project.root, "out.jsonl"));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string).data).toBe(forged);
  });

  it("writes raw: the data followed by a newline", async () => {
    const s = await sink({ path: "out.txt", format: "raw" });
    await s.write({ event: "stdout", data: "first line" });
    await s.write({ event: "stdout", data: "" });
    await s.write({ event: "stderr", data: "héllo 🥝" });
    await s.close();
    expect(await readFile(join(project.root, "out.txt"), "utf8")).toBe("first line\n\nhéllo 🥝\n");
  });

  it("fits the SinkFactory contract and reports its absolute path", async () => {
    const s = await asFactory({ path: "a.jsonl" }, { projectRoot: project.root, toolId: "t" });
    expect(s.specificationVersion).toBe("sink-v1");
    expect(s.id).toBe("file_sink");
    expect((s as unknown as { path: string }).path).toBe(join(project.root, "a.jsonl"));
    await s.close();
  });
});

describe("file_sink buffering", () => {
  it("write-through by default: each event is on disk when write resolves", async () => {
    const s = await sink({ path: "out.jsonl" });
    const file = join(project.root, "out.jsonl");
    for (let i = 1; i <= 3; i++) {
      await s.write({ event: "message", data: String(i) });
      expect(await readLines(file)).toHaveLength(i);
    }
    await s.close();
  });

  it("writes synchronously: an event is on disk when write returns, with no promise to wait for", async () => {
    const s = await sink({ path: "out.jsonl" });
    const file = join(project.root, "out.jsonl");
    for (let i = 1; i <= 3; i++) {
      expect(s.write({ event: "message", data: String(i) })).toBeUndefined();
      expect(readFileSync(file, "utf8").split("\n")).toHaveLength(i + 1);
    }
    await s.close();
  });

  it("flush_every: N buffers N events; the Nth write flushes them together", async () => {
    const s = await sink({ path: "out.jsonl", flush_every: 3 });
    const file = join(project.root, "out.jsonl");
    expect(s.write({ event: "message", data: "1" })).toBeUndefined();
    expect(s.write({ event: "message", data: "2" })).toBeUndefined();
    expect(await readLines(file)).toHaveLength(0);
    await s.write({ event: "message", data: "3" });
    expect(await readLines(file)).toHaveLength(3);
    await s.write({ event: "message", data: "4" });
    expect(await readLines(file)).toHaveLength(3);
    await s.close();
    expect((await readLines(file)).map((l) => JSON.parse(l).data)).toEqual(["1", "2", "3", "4"]);
  });

  it("flush() writes what is buffered", async () => {
    const s = await sink({ path: "out.jsonl", flush_every: 100 });
    const file = join(project.root, "out.jsonl");
    await s.write({ event: "message", data: "1" });
    expect(await readLines(file)).toHaveLength(0);
    await s.flush?.();
    expect(await readLines(file)).toHaveLength(1);
    await s.close();
  });

  it("a buffer past 1 MiB flushes whatever flush_every says", async () => {
    const s = await sink({ path: "out.jsonl", flush_every: 1000 });
    await s.write({ event: "message", data: "x".repeat(1024 * 1024) });
    expect(await readLines(join(project.root, "out.jsonl"))).toHaveLength(1);
    await s.close();
  });
});

describe("file_sink files and lifecycle", () => {
  it("creates missing parent folders inside the project", async () => {
    const s = await sink({ path: ".ai/threads/t_20260101_000000/events.jsonl" });
    await s.write({ event: "message", data: "hi" });
    await s.close();
    expect((await stat(join(project.root, ".ai/threads/t_20260101_000000"))).isDirectory()).toBe(true);
  });

  it("appends by default and truncates with append: false", async () => {
    const file = join(project.root, "out.txt");
    await writeFile(file, "old\n");
    const a = await sink({ path: "out.txt", format: "raw" });
    await a.write({ event: "stdout", data: "new" });
    await a.close();
    expect(await readFile(file, "utf8")).toBe("old\nnew\n");
    const b = await sink({ path: "out.txt", format: "raw", append: false });
    await b.write({ event: "stdout", data: "only" });
    await b.close();
    expect(await readFile(file, "utf8")).toBe("only\n");
  });

  it("fsyncs on close by default, and not with fsync_on_close: false", async () => {
    const synced: number[] = [];
    const io = {
      fsync(fd: number, done: (e: NodeJS.ErrnoException | null) => void) {
        synced.push(fd);
        fsync(fd, done);
      },
    };
    const context = { projectRoot: project.root, toolId: "t" };
    const a = await createFileSink({ path: "a.jsonl" }, context, { io });
    await a.write({ event: "message", data: "x" });
    expect(synced).toEqual([]);
    await a.close();
    expect(synced).toHaveLength(1);
    const b = await createFileSink({ path: "b.jsonl", fsync_on_close: false }, context, { io });
    await b.write({ event: "message", data: "x" });
    await b.close();
    expect(synced).toHaveLength(1);
  });

  it("a failed fsync on close is SINK_WRITE_FAILED (step fsync), and the file is closed all the same", async () => {
    const io = {
      fsync: (_fd: number, done: (e: Error) => void) =>
        done(Object.assign(new Error("I/O error"), { code: "EIO" })),
    };
    const s = await createFileSink({ path: "a.jsonl" }, { projectRoot: project.root, toolId: "t" }, { io });
    s.write({ event: "message", data: "x" });
    const error = await s.close().catch((e) => e);
    expect(KiwiError.isInstance(error) && error.context).toMatchObject({ step: "fsync", errno: "EIO" });
    expect(await readLines(join(project.root, "a.jsonl"))).toHaveLength(1);
  });

  it("close() flushes the buffer, is idempotent, and write after close is SINK_CLOSED", async () => {
    const s = await sink({ path: "out.jsonl", flush_every: 10 });
    s.write({ event: "message", data: "buffered" });
    await s.close();
    await s.close();
    expect(await readLines(join(project.root, "out.jsonl"))).toHaveLength(1);
    expect(() => s.write({ event: "message", data: "late" })).toThrow(
      expect.objectContaining({ code: "SINK_CLOSED" }),
    );
  });

  it("a failed write surfaces as SINK_WRITE_FAILED and leaves only whole lines", async () => {
    let failNext = false;
    const io = {
      writeSync(fd: number, buffer: Buffer, offset: number, length: number, position: null) {
        if (!failNext) return writeSync(fd, buffer, offset, length, position);
        failNext = false;
        writeSync(fd, buffer, offset, Math.floor(length / 2), position); // half a line lands
        throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      },
    };
    const s = await createFileSink({ path: "out.jsonl" }, { projectRoot: project.root, toolId: "t" }, { io });
    await s.write({ event: "message", data: "kept" });
    failNext = true;
    const error = await Promise.resolve()
      .then(() => s.write({ event: "message", data: "lost" }))
      .catch((e) => e);
    expect(KiwiError.isInstance(error) && error.code).toBe("SINK_WRITE_FAILED");
    expect((error as KiwiError).context).toMatchObject({ errno: "ENOSPC", step: "write" });
    expect(() => s.write({ event: "message", data: "later" })).toThrow(
      expect.objectContaining({ code: "SINK_WRITE_FAILED" }),
    );
    await s.close().catch(() => {});
    expect(await readFile(join(project.root, "out.jsonl"), "utf8")).toMatch(/^\{[^\n]*"kept"[^\n]*\}\n$/);
  });

  it("a symlinked folder, even one pointing inside the project, is refused: a sink opens exactly the path it is given", async () => {
    await mkdir(join(project.root, "real"));
    await symlink(join(project.root, "real"), join(project.root, "alias"));
    await expect(sink({ path: "alias/out.jsonl" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
      context: { reason: "link_in_path" },
    });
    expect(await readdir(join(project.root, "real"))).toEqual([]);
    // The resolved path (what the kernel checks and passes) opens.
    const s = await sink({ path: "real/out.jsonl" });
    await s.write({ event: "message", data: "x" });
    await s.close();
    expect(await readLines(join(project.root, "real/out.jsonl"))).toHaveLength(1);
  });

  it("a project root reached through a symlink works", async () => {
    const link = join(project.base, "root-link");
    await symlink(project.root, link);
    const s = await createFileSink({ path: "out.jsonl" }, { projectRoot: link, toolId: "t" });
    await s.write({ event: "message", data: "x" });
    await s.close();
    expect(await readLines(join(project.root, "out.jsonl"))).toHaveLength(1);
  });
});

describe("file_sink settings", () => {
  it("the factory carries a Standard Schema that applies defaults and refuses unknown keys", async () => {
    const schema = createFileSink.settingsSchema["~standard"];
    const ok = await schema.validate({ path: "x.jsonl" });
    expect(ok).toMatchObject({
      value: { path: "x.jsonl", format: "jsonl", flush_every: 1, fsync_on_close: true, append: true },
    });
    const bad = await schema.validate({ path: "x.jsonl", flush_evry: 3 });
    expect("issues" in bad && bad.issues?.length).toBeTruthy();
  });

  it("a direct call with bad settings throws INVALID_INPUT naming the field", async () => {
    for (const settings of [
      { path: "" },
      { path: "x", format: "csv" },
      { path: "x", flush_every: 0 },
      { path: "x", extra: true },
    ]) {
      const error = await sink(settings as FileSinkSettings).catch((e) => e);
      expect(KiwiError.isInstance(error) && error.code).toBe("INVALID_INPUT");
      expect((error as Error).message).toMatch(/file_sink: invalid settings: /);
    }
  });
});
