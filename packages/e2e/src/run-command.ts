import { spawn } from "node:child_process";

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

export interface RunCommandOptions {
  /** What the step is, for the failure message ("npm install of the kernel tarballs"). */
  step: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: readonly number[];
}

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split("\n");
  const kept = all.slice(-lines).join("\n");
  return all.length > lines ? `… (${all.length - lines} earlier lines)\n${kept}` : kept;
}

/** The message a failed step throws: the command, where it ran, how it ended, and its output tails. */
export function describeFailure(options: RunCommandOptions, result: CommandResult, why: string): string {
  return [
    `step failed: ${options.step} — ${why} after ${(result.ms / 1000).toFixed(1)} s`,
    `$ ${[options.command, ...options.args].join(" ")}`,
    `  (in ${options.cwd})`,
    "--- stderr ---",
    tail(result.stderr, 60) || "(empty)",
    "--- stdout ---",
    tail(result.stdout, 30) || "(empty)",
  ].join("\n");
}

/**
 * Runs a command to completion with its output captured and throws a readable error (command, exit code,
 * stderr and stdout tails) unless it exits with an accepted code. A timeout kills the whole process group,
 * so npx → npm → node chains do not outlive the test.
 */
export async function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }, options.timeoutMs ?? 120_000);
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once("error", reject);
        child.once("close", (c, s) => resolve({ code: c, signal: s }));
      },
    );
    const result: CommandResult = { stdout, stderr, code, signal, ms: performance.now() - started };
    if (timedOut) {
      throw new Error(describeFailure(options, result, `timed out (${options.timeoutMs ?? 120_000} ms)`));
    }
    if (code === null || !(options.okCodes ?? [0]).includes(code)) {
      const why = code === null ? `killed by ${signal}` : `exit code ${code}`;
      throw new Error(describeFailure(options, result, why));
    }
    return result;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("step failed:")) throw error;
    const result = { stdout, stderr, code: null, signal: null, ms: performance.now() - started };
    throw new Error(describeFailure(options, result, `could not run (${String(error)})`));
  } finally {
    clearTimeout(timer);
  }
}
