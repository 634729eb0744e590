import { KiwiError } from "@kiwi/spec";

/**
 * Codes the sinks in this package emit besides the shared ones (`PATH_OUTSIDE_PROJECT`, `INVALID_INPUT`).
 * Plugins may use their own SCREAMING_SNAKE codes; these are stable like the shared ones.
 */
export const SinkErrorCode = {
  /** The destination could not be opened (permissions, missing device, …). */
  SINK_OPEN_FAILED: "SINK_OPEN_FAILED",
  /** A write, flush, fsync or close failed after the destination was open. */
  SINK_WRITE_FAILED: "SINK_WRITE_FAILED",
  /** `write` was called after `close`. */
  SINK_CLOSED: "SINK_CLOSED",
} as const;

/** Settings failed the sink's own schema (a direct call; through the loader it is PLUGIN_INVALID). */
export function invalidSettings(sinkId: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
  const detail = issues
    .map((i) => `${i.path.map(String).join(".") || "(settings)"}: ${i.message}`)
    .join("; ");
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `${sinkId}: invalid settings: ${detail}`,
    context: { sink: sinkId, issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

export function sinkClosed(sinkId: string) {
  return new KiwiError({
    code: SinkErrorCode.SINK_CLOSED,
    message: `${sinkId}: write after close; create a new sink for a new stream`,
    context: { sink: sinkId },
  });
}
