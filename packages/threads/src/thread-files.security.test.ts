// Thread files are the person's alone and hold no secret in any form (issue 13 §1): the registry was
// created 0644 by SQLite, control messages and the spawn's permission context were stored as given, a
// long event field was cut before it was redacted (so the first half of a secret could stay), and only
// the secrets known when the manager opened were redacted.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HarnessRunner, HarnessRunResult } from "@kiwi/spec";
import { afterEach, describe, expect, it } from "vitest";
import { testKeys } from "./test-fixtures/tokens";
import { ThreadManager } from "./thread-manager";
import { SecretSet } from "./transcript/redactor";

const CANARY = "ghp_canaryToken0123456789abcdef";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const RESULT: HarnessRunResult = {
  status: "completed",
  reason: "end_turn",
  turns: 1,
  usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
  final_text: "done",
  messages: [],
};

function project(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "kiwi-thread-files-")));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function open(root: string, secrets: readonly string[] | SecretSet) {
  const keys = testKeys();
  const manager = ThreadManager.open({ projectRoot: root, verifier: keys.verifier, secrets });
  cleanups.push(() => manager.close());
  return { manager, auth: await keys.token([{ cap: "spawn.thread" }]) };
}

/** Every byte under `.ai/threads`, read as latin1 (SQLite pages included). */
function threadBytes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p, "latin1");
    }
  };
  walk(join(root, ".ai/threads"));
  return out;
}

describe("thread files", () => {
  it("are created 0600 in 0700 folders: registry (and its WAL), transcripts", async () => {
    const root = project();
    const { manager, auth } = await open(root, []);
    await manager.spawn({
      threadId: "t1",
      directive: "d",
      message: "m",
      auth,
      runner: () => ({ run: async () => RESULT }),
    });
    await manager.done("t1");
    const modes = (p: string) => statSync(join(root, ".ai/threads", p)).mode & 0o777;
    expect(modes("")).toBe(0o700);
    expect(modes("t1")).toBe(0o700);
    expect(modes("t1/transcript.jsonl")).toBe(0o600);
    expect(modes("registry.db")).toBe(0o600);
    expect(modes("registry.db-wal")).toBe(0o600);
  });

  it("narrow an existing registry that others could read", async () => {
    const root = project();
    mkdirSync(join(root, ".ai/threads"), { recursive: true, mode: 0o700 });
    const first = await open(root, []);
    first.manager.close();
    for (const f of ["registry.db", "registry.db-wal"]) {
      if (existsSync(join(root, ".ai/threads", f))) chmodSync(join(root, ".ai/threads", f), 0o644);
    }
    await open(root, []);
    expect(statSync(join(root, ".ai/threads/registry.db")).mode & 0o777).toBe(0o600);
  });
});

describe("thread redaction", () => {
  it("follows a live secret set, and redacts permission context and queued control messages", async () => {
    const root = project();
    const set = new SecretSet();
    const { manager, auth } = await open(root, set);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const runner: HarnessRunner = {
      run: async () => {
        await held;
        return { ...RESULT, final_text: `final ${CANARY}` };
      },
    };
    set.add(CANARY); // learnt after the manager opened (a template read it)
    await manager.spawn({
      threadId: "t2",
      directive: "d",
      message: "m",
      auth,
      inputs: { token: Buffer.from(`x${CANARY}`).toString("base64") },
      permissionContext: { note: `spawned with ${CANARY}` },
      runner: () => runner,
    });
    // Another manager (another process, as `kiwi threads inject` is) queues a message in the registry.
    const other = await open(root, set);
    expect(other.manager.inject("t2", `use ${encodeURIComponent(`${CANARY} now`)}`)).toMatchObject({
      queued: true,
    });
    manager.record("t2", "tool_result", { text: `${"x".repeat(3_990)}${CANARY}` });
    release();
    await manager.done("t2");
    other.manager.close();
    manager.close();
    const files = threadBytes(root);
    expect(Object.keys(files).length).toBeGreaterThan(2);
    for (const [file, bytes] of Object.entries(files)) {
      expect(bytes.includes(CANARY), file).toBe(false);
      expect(bytes.includes(CANARY.slice(0, 12)), `${file}: a cut kept the start`).toBe(false);
      expect(bytes.includes(encodeURIComponent(CANARY)), file).toBe(false);
    }
    expect(files[join(root, ".ai/threads/t2/transcript.jsonl")]).toContain("[REDACTED]");
  });
});
