import type { ProviderStreamParser, SinkEvent, SinkV1, StreamState } from "@kiwi/spec";

/**
 * A sink that feeds a provider's stream parser as events arrive, so the harness sees text and tool calls
 * while the model is still writing (and keeps what arrived if the stream is cut).
 */
export function createStateSink(
  parser: ProviderStreamParser,
  onUpdate?: (state: StreamState) => void,
): SinkV1 {
  return {
    specificationVersion: "sink-v1",
    id: "harness_state",
    write(event: SinkEvent) {
      parser.push(event);
      onUpdate?.(parser.state);
    },
    async close() {},
  };
}
