import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { TokenVerifier } from "@kiwi/capabilities";
import { afterEach, describe, expect, it } from "vitest";
import { type Child, spawnScript, tempRegistry } from "./registry/test-fixtures/helpers";
import { ThreadManager } from "./thread-manager";
import { readTranscript } from "./transcript/read-transcript";

const CHILD = join(import.meta.dirname, "test-fixtures/control-child.ts");
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(threadId: string): Promise<{ child: Child; manager: ThreadManager; root: string }> {
  const t = tempRegistry();
  cleanups.push(t.cleanup);
  const child = spawnScript(CHILD, [t.dir, t.file, threadId]);
  cleanups.push(() => {
    child.proc.kill("SIGKILL");
  });
  await child.waitFor((l) => l.includes('"ready"'));
  const { publicKey } = generateKeyPairSync("ed25519");
  const manager = ThreadManager.open({
    projectRoot: t.dir,
    registryFile: t.file,
    verifier: new TokenVerifier({ keys: [{ keyId: "ed25519:other", publicKey }] }),
    secrets: [],
  });
  cleanups.push(() => manager.close());
  return { child, manager, root: t.dir };
}

describe("controlling a thread another process runs", () => {
  it("pause, inject, resume and terminate are queued in the registry and applied by the owner", async () => {
    const { child, manager } = await setup("remote_ticker");
    const status = () => manager.registry.get("remote_ticker")?.status;
    expect(status()).toBe("running");
    expect(manager.liveThreads()).toEqual([]);
    expect(manager.pause("remote_ticker")).toMatchObject({ thread_id: "remote_ticker", queued: true });
    await until("paused", () => status() === "paused");
    expect(manager.inject("remote_ticker", "hello from another process")).toMatchObject({ queued: true });
    manager.resume("remote_ticker");
    await until("running again", () => status() === "running");
    manager.terminate("remote_ticker");
    const done = JSON.parse(await child.waitFor((l) => l.includes('"done"')));
    expect(done).toMatchObject({ status: "completed", reason: "terminated" });
    const events = readTranscript(manager.transcriptPath("remote_ticker")).events;
    expect(events.filter((e) => e.type === "intervention").map((e) => e.action)).toEqual([
      "pause",
      "inject_message",
      "resume",
      "terminate",
    ]);
    expect(events.find((e) => e.type === "user_message")?.text).toBe("hello from another process");
    // Once it has ended, controls are refused instead of queued.
    expect(() => manager.kill("remote_ticker")).toThrow(expect.objectContaining({ code: "THREAD_FINISHED" }));
  });

  it("kill from another process ends the thread killed", async () => {
    const { child, manager } = await setup("remote_victim");
    expect(manager.kill("remote_victim")).toMatchObject({ queued: true });
    expect(JSON.parse(await child.waitFor((l) => l.includes('"done"')))).toMatchObject({ status: "killed" });
    expect(() => manager.pause("nope")).toThrow(expect.objectContaining({ code: "ITEM_NOT_FOUND" }));
  });
});
