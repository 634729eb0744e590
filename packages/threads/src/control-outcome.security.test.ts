// Issue 13 §6: a control queued for a thread another process runs (what `kiwi threads pause …` sends)
// that failed to apply was marked handled and vanished: its sender heard "queued" and nothing else. Now
// the owner records how each request ended and the sender waits for it; a request nobody takes (a stopped
// or dead owner) is withdrawn, so it can never apply later, and the sender is told why. Real processes:
// the owner is a child running a ticker thread on the same registry file.
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { TokenVerifier } from "@kiwi/capabilities";
import { afterEach, describe, expect, it } from "vitest";
import { type Child, spawnScript, tempRegistry } from "./registry/test-fixtures/helpers";
import { ThreadManager } from "./thread-manager";

const CHILD = join(import.meta.dirname, "test-fixtures/control-child.ts");
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(threadId: string): Promise<{ child: Child; manager: ThreadManager }> {
  const t = tempRegistry();
  cleanups.push(t.cleanup);
  const child = spawnScript(CHILD, [t.dir, t.file, threadId]);
  cleanups.push(() => {
    child.proc.kill("SIGCONT");
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
  return { child, manager };
}

describe("a queued control that fails to apply is reported to its sender", () => {
  it("a request the owner cannot apply comes back with the owner's error code", {
    timeout: 60_000,
  }, async () => {
    const { manager } = await setup("remote_a");
    // What another sender (an older CLI, a tool) could queue: an inject without a message, an unknown action.
    const empty = manager.registry.requestControl("remote_a", "inject_message", {});
    const unknown = manager.registry.requestControl("remote_a", "frobnicate", {});
    expect(await manager.awaitControl(empty.id)).toEqual({
      ok: false,
      error: { code: "INVALID_INPUT", message: expect.stringContaining("needs a non-empty message") },
    });
    expect(await manager.awaitControl(unknown.id)).toMatchObject({
      ok: false,
      error: { code: "UNKNOWN_ACTION" },
    });
    expect(manager.registry.control(unknown.id)).toMatchObject({ status: "failed", action: "frobnicate" });
    // A control that applies is reported applied.
    const pause = manager.pause("remote_a");
    expect(pause).toMatchObject({ queued: true });
    expect(await manager.awaitControl(pause.request_id!)).toEqual({ ok: true });
    expect(manager.registry.control(pause.request_id!)).toMatchObject({ status: "done", error: null });
  });

  it("an owner that never takes it (stopped): CONTROL_TIMEOUT, and the withdrawn request never applies later", {
    timeout: 60_000,
  }, async () => {
    const { child, manager } = await setup("remote_b");
    child.proc.kill("SIGSTOP");
    const pause = manager.pause("remote_b");
    const started = Date.now();
    const outcome = await manager.awaitControl(pause.request_id!, { timeoutMs: 1_000 });
    expect(outcome).toMatchObject({ ok: false, error: { code: "CONTROL_TIMEOUT" } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(manager.registry.control(pause.request_id!)).toMatchObject({
      status: "failed",
      error: { code: "CONTROL_TIMEOUT" },
    });
    // Woken up, the owner finds nothing to take: the sender was told "not applied", and it is not.
    child.proc.kill("SIGCONT");
    await new Promise((r) => setTimeout(r, 600));
    expect(manager.registry.get("remote_b")?.status).toBe("running");
    // A fresh request still works.
    const again = manager.pause("remote_b");
    expect(await manager.awaitControl(again.request_id!)).toEqual({ ok: true });
  });

  it("an owner that died before taking it: THREAD_NOT_RUNNING at once, not after the timeout", {
    timeout: 60_000,
  }, async () => {
    const { child, manager } = await setup("remote_c");
    child.proc.kill("SIGSTOP");
    const kill = manager.kill("remote_c");
    child.proc.kill("SIGKILL");
    await new Promise<void>((r) => child.proc.once("exit", () => r()));
    const started = Date.now();
    const outcome = await manager.awaitControl(kill.request_id!, { timeoutMs: 20_000 });
    expect(outcome).toMatchObject({ ok: false, error: { code: "THREAD_NOT_RUNNING" } });
    expect(outcome.ok || outcome.error.message).toContain("kiwi threads resume remote_c");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
