import type { KiwiErrorObject, KnownErrorCode, PrimitiveResult, SinkFailure } from "@kiwi/spec";
import type { RpcOutcome } from "./rpc-conversation";
import type { ChildOutcome } from "./run-child";

type ErrorObject = KiwiErrorObject;

function fail(code: KnownErrorCode, message: string, retryable = false): ErrorObject {
  return { code, message, retryable };
}

/** The command as it appears in messages: short, and the start of a shell script rather than all of it. */
function label(command: string): string {
  return JSON.stringify(command.length > 60 ? `${command.slice(0, 60)}…` : command);
}

function spawnFailure(command: string, error: NodeJS.ErrnoException): ErrorObject {
  if (error.code === "ENOENT")
    return fail("COMMAND_NOT_FOUND", `command ${label(command)} was not found on the child's PATH`);
  if (error.code === "E2BIG")
    return fail(
      "INVALID_INPUT",
      `the arguments and environment of ${label(command)} are too large for the OS`,
    );
  if (error.code === "EACCES")
    return fail("COMMAND_NOT_FOUND", `command ${label(command)} exists but is not executable`);
  return fail("PRIMITIVE_FAILED", `could not start ${label(command)}: ${error.message}`);
}

/** The first reason the run failed, most specific first: a timeout explains a SIGTERM, not the reverse. */
function firstError(o: {
  command: string;
  timeoutMs: number;
  outcome: ChildOutcome;
  rpc: RpcOutcome | undefined;
}): ErrorObject | undefined {
  const { outcome, command } = o;
  if (outcome.spawnError) return spawnFailure(command, outcome.spawnError);
  if (outcome.timedOut)
    return fail(
      "TIMEOUT",
      `${label(command)} did not finish within ${o.timeoutMs} ms; its process group was terminated`,
      true,
    );
  if (outcome.aborted)
    return fail("ABORTED", `${label(command)} was cancelled; its process group was terminated`);
  if (outcome.overflowKilled)
    return fail(
      "PRIMITIVE_FAILED",
      `${label(command)} was terminated: its output exceeded max_output_bytes and kill_on_overflow is set`,
    );
  if (o.rpc?.error) return { retryable: false, ...o.rpc.error };
  if (outcome.lingered) return undefined;
  if (outcome.signal) return fail("PRIMITIVE_FAILED", `${label(command)} was killed by ${outcome.signal}`);
  if (outcome.exitCode !== 0)
    return fail("PRIMITIVE_FAILED", `${label(command)} exited with code ${outcome.exitCode} (see stderr)`);
  return undefined;
}

/** Shapes the documented result: exit status, decoded output, truncation flags and every failure detail. */
export function buildSubprocessResult(o: {
  command: string;
  timeoutMs: number;
  outcome: ChildOutcome;
  rpc: RpcOutcome | undefined;
  sinkErrors: readonly SinkFailure[];
}): PrimitiveResult {
  const { outcome, rpc } = o;
  const error = firstError(o);
  const result: PrimitiveResult = {
    success: error === undefined,
    exit_code: outcome.exitCode,
    signal: outcome.signal,
    stdout: outcome.stdout.text(),
    stderr: outcome.stderr.text(),
    duration_ms: outcome.durationMs,
    truncated: { stdout: outcome.stdout.truncated, stderr: outcome.stderr.truncated },
  };
  if (outcome.timedOut) result.timed_out = true;
  if (outcome.linesTruncated > 0) result.lines_truncated = outcome.linesTruncated;
  if (rpc) {
    result.responses = rpc.responses;
    if (rpc.protocolErrors.length > 0) result.protocol_errors = rpc.protocolErrors;
    if (outcome.lingered) result.lingered = true;
  }
  if (o.sinkErrors.length > 0) result.sink_errors = [...o.sinkErrors];
  if (error) result.error = error;
  return result;
}
