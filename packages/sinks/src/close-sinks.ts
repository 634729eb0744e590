import type { SinkFailure, SinkV1 } from "@kiwi/spec";
import { toSinkFailure } from "./to-sink-failure";

/**
 * Closes every sink once, concurrently, whatever state it is in (a sink that failed a write still holds a
 * file or a socket). Never throws: each failure comes back as a `close` failure for the result's
 * `sink_errors`.
 */
export async function closeSinks(sinks: readonly SinkV1[]): Promise<SinkFailure[]> {
  const failures: SinkFailure[] = [];
  await Promise.all(
    sinks.map(async (sink, i) => {
      try {
        await sink.close();
      } catch (error) {
        failures.push(toSinkFailure({ sink: sink.id || `sink[${i}]`, phase: "close", error }));
      }
    }),
  );
  return failures;
}
