import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubprocessPrimitive } from "./subprocess-primitive";
import {
  contextFor,
  groupAlive,
  isAlive,
  makeProject,
  PRINT_ARGV,
  type TempProject,
} from "./subprocess-test-kit";

let project: TempProject;
let spawned = 0;
// A counting wrapper around the real spawn: proves "nothing spawned" without faking any process.
const countingSpawn = ((...args: Parameters<typeof spawn>) => {
  spawned++;
  return spawn(...args);
}) as typeof spawn;
const CANARY = `canary-${process.pid}-${Date.now()}`;
const parentEnv = {
  ...process.env,
  KIWI_TEST_SECRET_TOKEN: CANARY,
  ANTHROPIC_API_KEY: CANARY,
  GITHUB_TOKEN: CANARY,
  AWS_SECRET_ACCESS_KEY: CANARY,
  KIWI_TEST_ALLOWED: "allowed-value",
};
const primitive = createSubprocessPrimitive({ spawn: countingSpawn, env: parentEnv });
const run = (config: Record<string, unknown>, signal?: AbortSignal) =>
  primitive.run({ config, params: {}, context: contextFor(project.root, signal ? { signal } : {}) });

/** The pids a child printed (one per line), all of which must be gone once the result is back. */
const pidsOf = (stdout: unknown) => String(stdout).trim().split(/\s+/).filter(Boolean).map(Number);

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.cleanup();
});

describe("subprocess security: argv is never a shell", () => {
  const marker = () => join(project.root, "pwned");
  const hostile = () => [
    `; touch ${marker()}`,
    `&& touch ${marker()}`,
    `| touch ${marker()}`,
    `$(touch ${marker()})`,
    `\`touch ${marker()}\``,
    `> ${marker()}`,
    "*",
    "\n rm -rf ~",
  ];

  it("passes metacharacters to the program verbatim, one argv element each, with no side effect", async () => {
    const before = await readdir(project.root);
    const result = await run({ command: process.execPath, args: [PRINT_ARGV, ...hostile()] });
    expect(result).toMatchObject({ success: true });
    expect(JSON.parse(String(result.stdout))).toEqual(hostile());
    expect(existsSync(marker())).toBe(false);
    expect(await readdir(project.root)).toEqual(before);
  });

  it("does not let a metacharacter-laden command name reach a shell either", async () => {
    const result = await run({ command: `echo hi; touch ${marker()}` });
    expect(result).toMatchObject({ success: false, error: { code: "COMMAND_NOT_FOUND" } });
    expect(existsSync(marker())).toBe(false);
  });
});

describe("subprocess security: hostile argv sizes", () => {
  it("reports a 10 MiB argument (E2BIG) as INVALID_INPUT instead of crashing", async () => {
    const result = await run({ command: "echo", args: ["x".repeat(10 * 1024 * 1024)] });
    expect(result).toMatchObject({ success: false, error: { code: "INVALID_INPUT" } });
  });

  it("refuses a NUL byte inside an argument before spawning", async () => {
    const before = spawned;
    const result = await run({ command: "echo", args: ["a\u0000b"] });
    expect(result).toMatchObject({ success: false, error: { code: "INVALID_INPUT" } });
    expect(spawned).toBe(before);
  });
});

describe("subprocess security: cwd stays inside the project", () => {
  beforeAll(async () => {
    await symlink(project.outside, join(project.root, "link-out"));
  });

  it.each([[".."], ["../outside"], ["sub/../../outside"], ["link-out"], ["link-out/."]])(
    "refuses cwd %s with PATH_OUTSIDE_PROJECT and spawns nothing",
    async (cwd) => {
      const before = spawned;
      const result = await run({ command: "cat", args: ["secret.txt"], cwd });
      expect(result).toMatchObject({ success: false, error: { code: "PATH_OUTSIDE_PROJECT" } });
      expect(JSON.stringify(result)).not.toContain('OUTSIDE"');
      expect(spawned).toBe(before);
    },
  );

  it("refuses an absolute cwd outside the project, and a missing cwd, before spawning", async () => {
    const before = spawned;
    expect(await run({ command: "pwd", cwd: project.outside })).toMatchObject({
      error: { code: "PATH_OUTSIDE_PROJECT" },
    });
    expect(await run({ command: "pwd", cwd: "/" })).toMatchObject({
      error: { code: "PATH_OUTSIDE_PROJECT" },
    });
    expect(await run({ command: "pwd", cwd: "no-such-dir" })).toMatchObject({
      error: { code: "INVALID_INPUT" },
    });
    expect(spawned).toBe(before);
  });

  it("accepts an absolute cwd that is inside the project", async () => {
    expect(await run({ command: "pwd", cwd: join(project.root, "sub") })).toMatchObject({ success: true });
  });
});

describe("subprocess security: environment allow-list", () => {
  it("does not inherit secrets by default (canary absent from the child's env)", async () => {
    const result = await run({ command: "env" });
    expect(result).toMatchObject({ success: true });
    expect(String(result.stdout)).not.toContain(CANARY);
    expect(String(result.stdout)).not.toContain("KIWI_TEST_ALLOWED");
    expect(String(result.stdout)).toContain("PATH=");
  });

  it("passes exactly the names a tool lists, plus its explicit env", async () => {
    const result = await run({
      command: "env",
      env_allow: ["PATH", "KIWI_TEST_ALLOWED"],
      env: { EXTRA: "1" },
    });
    const lines = String(result.stdout).trim().split("\n").sort();
    expect(lines).toEqual(["EXTRA=1", "KIWI_TEST_ALLOWED=allowed-value", `PATH=${process.env.PATH}`]);
    expect(String(result.stdout)).not.toContain(CANARY);
  });

  it("passes a secret only when it is named explicitly", async () => {
    const result = await run({ command: "env", env_allow: ["KIWI_TEST_SECRET_TOKEN"] });
    expect(String(result.stdout)).toBe(`KIWI_TEST_SECRET_TOKEN=${CANARY}\n`);
  });
});

describe("subprocess security: timeout and cancellation end the whole process group", () => {
  it("kills a child that ignores SIGTERM (SIGKILL after the grace period)", async () => {
    const started = Date.now();
    const result = await run({
      command: "sh",
      args: ["-c", 'trap "" TERM; echo $$; sleep 30; echo survived'],
      timeout_ms: 300,
      kill_grace_ms: 300,
    });
    expect(result).toMatchObject({ success: false, timed_out: true, error: { code: "TIMEOUT" } });
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5000);
    const [leader] = pidsOf(result.stdout);
    expect(isAlive(leader!)).toBe(false);
    expect(groupAlive(leader!)).toBe(false);
  });

  it("kills forked grandchildren too", async () => {
    const result = await run({
      command: "sh",
      args: ["-c", "sleep 30 & echo $!; echo $$; sleep 30"],
      timeout_ms: 300,
      kill_grace_ms: 300,
    });
    expect(result).toMatchObject({ success: false, error: { code: "TIMEOUT" } });
    const pids = pidsOf(result.stdout);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(groupAlive(pids[1]!)).toBe(false);
  });

  it("ends what the command left behind when it exits on its own (no orphans)", async () => {
    const result = await run({
      command: "sh",
      args: ["-c", "sleep 30 & echo $!; echo $$"],
      timeout_ms: 10_000,
    });
    expect(result).toMatchObject({ success: true, exit_code: 0 });
    const pids = pidsOf(result.stdout);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(Number(result.duration_ms)).toBeLessThan(5000);
  });

  it("on abort mid-run, reports ABORTED and leaves no process of the group alive", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await run(
      {
        command: "sh",
        args: ["-c", 'trap "" TERM; sleep 30 & echo $!; echo $$; sleep 30'],
        kill_grace_ms: 200,
      },
      controller.signal,
    );
    expect(result).toMatchObject({ success: false, error: { code: "ABORTED" } });
    expect(result.timed_out).toBeUndefined();
    const pids = pidsOf(result.stdout);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("does not spawn at all when the signal is already aborted", async () => {
    const before = spawned;
    const result = await run({ command: "touch", args: ["aborted-marker"] }, AbortSignal.abort());
    expect(result).toMatchObject({ success: false, error: { code: "ABORTED" } });
    expect(spawned).toBe(before);
    expect(existsSync(join(project.root, "aborted-marker"))).toBe(false);
  });
});

describe("subprocess security: output is bounded", () => {
  it("truncates a 50 MiB stdout flood at the cap with bounded memory, without killing the child", async () => {
    let peak = process.memoryUsage().rss;
    const baseline = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const result = await run({ command: "head", args: ["-c", String(50 * 1024 * 1024), "/dev/zero"] });
    clearInterval(sampler);
    expect(result).toMatchObject({ success: true, exit_code: 0, truncated: { stdout: true, stderr: false } });
    expect(String(result.stdout)).toHaveLength(1024 * 1024);
    expect(peak - baseline).toBeLessThan(40 * 1024 * 1024);
  });

  it("caps stderr separately while stdout stays quiet", async () => {
    const result = await run({
      command: "sh",
      args: ["-c", "head -c 300000 /dev/zero >&2"],
      max_output_bytes: 1000,
    });
    expect(result).toMatchObject({ success: true, stdout: "", truncated: { stdout: false, stderr: true } });
    expect(String(result.stderr)).toHaveLength(1000);
  });

  it("kills an endless writer when kill_on_overflow is set", async () => {
    const result = await run({ command: "yes", max_output_bytes: 64 * 1024, kill_on_overflow: true });
    expect(result).toMatchObject({
      success: false,
      truncated: { stdout: true },
      error: { code: "PRIMITIVE_FAILED" },
    });
    expect(result.signal).toBe("SIGTERM");
    expect(String(result.stdout)).toHaveLength(64 * 1024);
  });
});
