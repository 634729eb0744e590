// Issue 13 §6: `kiwi threads pause|resume|inject|terminate|kill` on a thread another process runs queued
// the request and said "queued" — a request that then failed to apply was marked handled and vanished.
// Now the command waits for the owner's outcome: applied, or exit 1 with the code of why not. The owner
// here is a real `kiwi thread run` child process; stopping it (SIGSTOP) makes it unable to take anything.
import { afterEach, describe, expect, it } from "vitest";
import { kiwi, startOwnerProcess, withRegistry } from "../thread-display/test-support";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("a cross-process control reports its outcome to the kiwi threads command", () => {
  it("an owner that cannot take the request: exit 1 with CONTROL_TIMEOUT, and it never applies later", {
    timeout: 60_000,
  }, async () => {
    const { where, owner, id } = await startOwnerProcess("stall me", cleanups);
    const k = (args: string[]) => kiwi(args, where);
    owner.proc.kill("SIGSTOP");
    const started = Date.now();
    const paused = await k(["threads", "pause", id, "--timeout", "1"]);
    expect(paused.code).toBe(1);
    expect(paused.err).toContain("error CONTROL_TIMEOUT");
    expect(paused.err).toContain(`${id}: pause was not applied`);
    expect(Date.now() - started).toBeLessThan(10_000);
    owner.proc.kill("SIGCONT");
    await new Promise((r) => setTimeout(r, 800));
    expect(await withRegistry(where, ({ manager }) => manager.registry.get(id)?.status)).toBe("running");
    expect(owner.out()).not.toContain("status → paused");
    // A control it can apply is waited for and reported applied.
    const json = JSON.parse((await k(["threads", "terminate", id, "--json"])).out);
    expect(json).toMatchObject({ success: true, action: "terminate", queued: true, applied: true });
    expect(await owner.exit).toBe(0);
  });

  it("an owner that died before taking it: exit 1 with THREAD_NOT_RUNNING and how to resume", {
    timeout: 60_000,
  }, async () => {
    const { where, owner, id } = await startOwnerProcess("die on me", cleanups);
    owner.proc.kill("SIGSTOP");
    const pending = kiwi(["threads", "inject", id, "hello", "--timeout", "30"], where);
    // The request is queued and nobody takes it; then the owner dies.
    await new Promise((r) => setTimeout(r, 300));
    owner.proc.kill("SIGKILL");
    const started = Date.now();
    const injected = await pending;
    expect(injected.code).toBe(1);
    expect(injected.err).toContain("error THREAD_NOT_RUNNING");
    expect(injected.err).toContain(`kiwi threads resume ${id}`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("--timeout must be a positive number of seconds", async () => {
    const { where, id } = await startOwnerProcess("bad flags", cleanups);
    const bad = await kiwi(["threads", "pause", id, "--timeout", "soon"], where);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--timeout must be a number of seconds");
    expect((await kiwi(["threads", "terminate", id], where)).code).toBe(0);
  });
});
