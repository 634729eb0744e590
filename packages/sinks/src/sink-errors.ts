import { ErrorCode, KiwiError } from "@kiwi/spec";

// The codes these sinks emit all come from @kiwi/spec's list: SINK_OPEN_FAILED (the destination could not
// be opened), SINK_WRITE_FAILED (a write, flush, fsync or close failed after it was open), SINK_CLOSED
// (write after close), plus the shared INVALID_INPUT and PATH_OUTSIDE_PROJECT.

/** Settings failed the sink's own schema (a direct call; through the loader it is PLUGIN_INVALID). */
export function invalidSettings(sinkId: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
  const detail = issues
    .map((i) => `${i.path.map(String).join(".") || "(settings)"}: ${i.message}`)
    .join("; ");
  return new KiwiError({
    code: ErrorCode.INVALID_INPUT,
    message: `${sinkId}: invalid settings: ${detail}`,
    context: { sink: sinkId, issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

export function sinkClosed(sinkId: string) {
  return new KiwiError({
    code: ErrorCode.SINK_CLOSED,
    message: `${sinkId}: write after close; create a new sink for a new stream`,
    context: { sink: sinkId },
  });
}
