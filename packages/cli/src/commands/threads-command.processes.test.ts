// `kiwi thread run` in a real child process: a real SIGINT, and controls from this process (another
// ThreadManager on the same registry) that the child applies.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  kiwi,
  type ThreadProject,
  threadDirective,
  until,
  withRegistry,
} from "../thread-display/test-support";

const OWNER = fileURLToPath(new URL("../thread-display/owner-process.ts", import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
// The child imports createThreadRuntime from @kiwi/kiwi-harness's built index: skipped until it is exported.
const LIVE = { timeout: 20_000 };

interface Owner {
  proc: ChildProcess;
  out(): string;
  exit: Promise<number | null>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(message: string): Promise<{ where: ThreadProject; owner: Owner; id: string }> {
  const where = await createThreadProject();
  cleanups.push(async () => {
    await where.remove();
  });
  await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
  const proc = spawn(process.execPath, ["--import", "tsx", OWNER, where.project, where.userSpace, message], {
    cwd: PACKAGE_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => {
    proc.kill("SIGKILL");
  });
  let out = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (out += c));
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const owner = { proc, out: () => out, exit };
  await until(() => out.includes("── turn 1/6"), `the child's first turn (output so far: ${out})`, 15_000);
  return { where, owner, id: /^thread (\S+)/m.exec(out)![1]! };
}

describe("kiwi thread run in another process", () => {
  it("a real SIGINT asks the thread to stop after its turn: completed/terminated, exit 0", LIVE, async () => {
    const { owner } = await start("stop me");
    owner.proc.kill("SIGINT");
    expect(await owner.exit).toBe(0);
    expect(owner.out()).toContain("to stop after its current turn (Ctrl-C again kills it)");
    expect(owner.out()).toMatch(/^reason +terminated$/m);
  });

  it("a second SIGINT kills it: killed, exit 1", LIVE, async () => {
    const { owner } = await start("kill me");
    owner.proc.kill("SIGINT");
    await until(() => owner.out().includes("Ctrl-C again kills it"), "the first interrupt");
    owner.proc.kill("SIGINT");
    expect(await owner.exit).toBe(1);
    expect(owner.out()).toMatch(/^status +killed$/m);
  });

  it("controls from this process are queued and applied by the owner", LIVE, async () => {
    const { where, owner, id } = await start("steer me");
    const k = (args: string[]) => kiwi(args, where);
    expect((await k(["threads", "pause", id])).out).toContain(
      "pause queued for the process that runs the thread",
    );
    await until(() => owner.out().includes("status → paused"), "the pause");
    expect(await withRegistry(where, ({ manager }) => manager.registry.get(id)?.status)).toBe("paused");
    const list = await k(["threads", "list", "--status", "paused", "--json"]);
    expect(JSON.parse(list.out).threads.map((t: { thread_id: string }) => t.thread_id)).toEqual([id]);
    expect((await k(["threads", "inject", id, "hello", "from", "afar"])).code).toBe(0);
    expect((await k(["threads", "resume", id])).code).toBe(0);
    await until(() => owner.out().includes("user (injected): hello from afar"), "the injected message");
    expect((await k(["threads", "terminate", id])).code).toBe(0);
    expect(await owner.exit).toBe(0);
    expect(owner.out()).toMatch(/^reason +terminated$/m);
    const status = JSON.parse((await k(["threads", "status", id, "--json"])).out);
    expect(status.thread).toMatchObject({ status: "completed", reason: "terminated" });
  });
});
