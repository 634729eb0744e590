// Issue 13 §5: no project file read may block. A FIFO in place of `.env`, `package.json`, `AGENTS.md`, an
// item or a tool's code module used to freeze the kernel (a synchronous open that waits for a writer).
// Each FIFO here has a guard: a background process that opens it for writing every few seconds, so a
// reader that blocked would be released (and the test fail on its assertions) instead of hanging vitest.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createKernel } from "../create-kernel";
import { createItem, fixture, knowledgeMd, tempDir, writeRaw } from "../test-support/fixture";

const canFifo = spawnSync("sh", ["-c", "command -v mkfifo"]).status === 0;
const guards: ChildProcess[] = [];
afterEach(() => {
  for (const g of guards.splice(0)) if (g.pid) process.kill(-g.pid, "SIGKILL");
});

/** Makes a FIFO at `file`, guarded: if something blocks reading it, a writer releases it every 4 s. */
async function plantFifo(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await rm(file, { force: true });
  if (spawnSync("mkfifo", [file]).status !== 0) throw new Error(`mkfifo ${file} failed`);
  guards.push(
    spawn("sh", ["-c", 'while :; do sleep 4; : > "$1"; done', "guard", file], {
      stdio: "ignore",
      detached: true,
    }),
  );
}

/** Runs `fn` and returns how long it took; the assertion below says what it must have done. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe.skipIf(!canFifo)("a FIFO in place of a project file never blocks the kernel", () => {
  it(".env: createKernel fails at once, naming the file and why", async () => {
    const projectRoot = await tempDir("project");
    const userSpace = await tempDir("user");
    await plantFifo(join(projectRoot, ".env"));
    const { value, ms } = await timed(() =>
      createKernel({ projectRoot, userSpace, coreSpace: false, pluginSpaces: false })
        .then(() => "created")
        .catch((error: { code: string; message: string }) => `${error.code}: ${error.message}`),
    );
    expect(value).toMatch(/^INVALID_INPUT: .*\/\.env is not a regular file/);
    expect(ms).toBeLessThan(3000);
  });

  it("package.json: the kernel starts without the project's plugin spaces", async () => {
    const projectRoot = await tempDir("project");
    const userSpace = await tempDir("user");
    await plantFifo(join(projectRoot, "package.json"));
    const { value, ms } = await timed(() => createKernel({ projectRoot, userSpace, coreSpace: false }));
    expect(value.spaces.map((s) => s.kind)).toEqual(["project", "user"]);
    expect(ms).toBeLessThan(3000);
  });

  it("AGENTS.md: the system prompt is PATH_SPECIAL_FILE, never a wait", async () => {
    const f = await fixture();
    await plantFifo(join(f.projectRoot, ".ai", "AGENTS.md"));
    const { value, ms } = await timed(() =>
      f.kernel.systemPrompt().then(
        () => "read",
        (error: { code: string }) => error.code,
      ),
    );
    expect(value).toBe("PATH_SPECIAL_FILE");
    expect(ms).toBeLessThan(3000);
  });

  it("an item swapped for a FIFO after it was indexed: load and run refuse it at once", async () => {
    const f = await fixture();
    await createItem(f, "knowledge", "notes", knowledgeMd({ id: "notes" }));
    expect((await f.kernel.load({ item_type: "knowledge", item_id: "notes" })).success).toBe(true);
    await plantFifo(join(f.projectRoot, ".ai", "knowledge", "notes.md"));
    const { value, ms } = await timed(async () => [
      await f.kernel.load({ item_type: "knowledge", item_id: "notes" }),
      await f.kernel.execute({ item_type: "knowledge", action: "run", item_id: "notes" }),
    ]);
    for (const r of value) expect(r).toMatchObject({ success: false, error: { code: expect.any(String) } });
    expect(ms).toBeLessThan(3000);
    // A FIFO never enters the index: search lists nothing for it.
    const found = await f.kernel.search({ item_type: "knowledge", query: "notes" });
    expect(found.success && found.results).toEqual([]);
  });

  it("a code-bearing tool's module swapped for a FIFO: load refuses it at once", async () => {
    const f = await fixture();
    await writeRaw(f.projectRoot, ".ai/tools/sinks/my_sink.mjs", "export const createSink = () => ({});\n");
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
    await plantFifo(join(f.projectRoot, ".ai/tools/sinks/my_sink.mjs"));
    const { value, ms } = await timed(() => f.kernel.load({ item_type: "tool", item_id: "my_sink" }));
    expect(value).toMatchObject({ success: false, error: { code: "PATH_SPECIAL_FILE" } });
    expect(ms).toBeLessThan(3000);
  });
});
