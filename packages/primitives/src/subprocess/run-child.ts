import type { ChildProcess, spawn as nodeSpawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { CappedOutput } from "./capped-output";
import { collectOutput } from "./collect-output";
import { killProcessGroup } from "./kill-process-group";
import type { SinkWriter } from "./sink-writer";

export interface ChildRunOptions {
  spawn: typeof nodeSpawn;
  file: string;
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  input: string | undefined;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  killOnOverflow: boolean;
  /** Stream output lines to `sinks` (stderr only in rpc mode: stdout carries the protocol). */
  stream: boolean;
  maxLineBytes: number;
  sinks: SinkWriter;
  signal: AbortSignal | undefined;
  /** rpc mode: owns stdin and stdout, ends stdin when done, and must never reject. */
  converse?: (stdio: { stdin: Writable; stdout: Readable }) => Promise<void>;
}

export interface ChildOutcome {
  spawnError?: NodeJS.ErrnoException;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
  linesTruncated: number;
  timedOut: boolean;
  aborted: boolean;
  overflowKilled: boolean;
  /** rpc mode: the process outlived the conversation by kill_grace_ms and its group was terminated. */
  lingered: boolean;
  durationMs: number;
}

/**
 * Spawns one command as the leader of its own process group (`detached`) and waits until it has exited
 * and its output is read. Timeout, abort and overflow (when asked) terminate the whole group, and so does
 * the leader's exit: whatever it left running in its group is ended rather than orphaned.
 */
export async function runChild(o: ChildRunOptions): Promise<ChildOutcome> {
  const started = performance.now();
  const out: ChildOutcome = {
    exitCode: null,
    signal: null,
    stdout: new CappedOutput(o.maxOutputBytes),
    stderr: new CappedOutput(o.maxOutputBytes),
    linesTruncated: 0,
    timedOut: false,
    aborted: false,
    overflowKilled: false,
    lingered: false,
    durationMs: 0,
  };
  const rpc = o.converse !== undefined;
  let child: ChildProcess;
  try {
    child = o.spawn(o.file, [...o.argv], {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: [rpc || o.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
      windowsHide: true,
    });
  } catch (error) {
    // Some failures are synchronous (E2BIG for a huge argv); they are reported like ENOENT, not thrown.
    out.spawnError = error as NodeJS.ErrnoException;
    return out;
  }
  let exitedNow = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      Object.assign(out, { exitCode: code, signal });
      exitedNow = true;
      resolve();
    }),
  );
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", resolve);
  });
  if (spawnError || child.pid === undefined) {
    out.spawnError = spawnError ?? new Error("spawn failed without a process id");
    return out;
  }
  const pid = child.pid;
  let terminating: Promise<void> | undefined;
  const terminate = () => {
    terminating ??= killProcessGroup(pid, o.killGraceMs);
  };
  const timer = setTimeout(() => {
    out.timedOut = true;
    terminate();
  }, o.timeoutMs);
  const onAbort = () => {
    out.aborted = true;
    terminate();
  };
  o.signal?.addEventListener("abort", onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  void exited.then(() => {
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
    terminate(); // ends whatever the leader left in its group; a no-op when the group is already empty
  });

  const collect = (stream: Readable, name: "stdout" | "stderr", capture: CappedOutput) =>
    collectOutput({
      stream,
      name,
      capture,
      sinks: o.sinks,
      maxLineBytes: o.stream && o.sinks.active ? o.maxLineBytes : undefined,
      onOverflow: () => {
        // Output read after the exit overflowed too late to be a reason for anything: nothing to kill.
        if (!o.killOnOverflow || exitedNow) return;
        out.overflowKilled = true;
        terminate();
      },
      onTruncatedLine: () => {
        out.linesTruncated++;
      },
    });

  const reading = [collect(child.stderr!, "stderr", out.stderr)];
  let conversation: Promise<void> = Promise.resolve();
  if (o.converse) {
    const stdio = { stdin: child.stdin!, stdout: child.stdout! };
    conversation = o.converse(stdio).then(async () => {
      // stdin is closed now; a well-behaved server exits. One that lingers gets its group terminated.
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, o.killGraceMs).unref())]);
      if (!exitedNow) {
        out.lingered = true;
        terminate();
      }
    });
  } else {
    reading.push(collect(child.stdout!, "stdout", out.stdout));
    child.stdin?.on("error", () => {}); // EPIPE: the child may exit without reading its input
    child.stdin?.end(o.input);
  }
  await Promise.all([exited, ...reading, conversation]);
  await o.sinks.idle();
  await terminating;
  out.durationMs = Math.round(performance.now() - started);
  return out;
}
