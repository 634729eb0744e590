import type { PrimitiveResult, SinkEvent, SinkV1 } from "@kiwi/spec";
import type { HttpClientOptions } from "../http-client-primitive";
import { createHttpClientPrimitive } from "../node-http-client-primitive";

/** Runs http_client once with a config, sinks, the secret flag and a signal, as the kernel would. */
export function runHttp(
  config: Record<string, unknown>,
  options: {
    sinks?: SinkV1[];
    carriesSecret?: boolean;
    meta?: Record<string, unknown>;
    signal?: AbortSignal;
    client?: HttpClientOptions;
  } = {},
): Promise<PrimitiveResult> {
  const primitive = createHttpClientPrimitive(options.client);
  return primitive.run({
    config,
    params: {},
    ...(options.sinks ? { sinks: options.sinks } : {}),
    ...(options.carriesSecret ? { carriesSecret: true } : {}),
    context: {
      projectRoot: "/nonexistent",
      toolId: "test_http",
      chain: ["test_http", "http_client"],
      meta: options.meta ?? {},
      ...(options.signal ? { signal: options.signal } : {}),
    },
  });
}

/** A sink recording what it receives; optionally async or failing. */
export function recordingSink(
  id: string,
  behaviour: { async?: boolean; failEvery?: boolean } = {},
): SinkV1 & { events: SinkEvent[]; flushed: number; closed: number } {
  const sink = {
    specificationVersion: "sink-v1" as const,
    id,
    events: [] as SinkEvent[],
    flushed: 0,
    closed: 0,
    write(event: SinkEvent): void | Promise<void> {
      if (behaviour.failEvery) throw new Error(`${id} is broken`);
      if (behaviour.async) {
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            sink.events.push(event);
            resolve();
          }),
        );
      }
      sink.events.push(event);
    },
    async flush() {
      sink.flushed++;
    },
    async close() {
      sink.closed++;
    },
  };
  return sink;
}
