/**
 * Sink contract (`sink-v1`). A sink receives the events of a stream (SSE events from http_client, output
 * lines from subprocess) in order. Sinks are plugins: a data definition (`.ai/tools/sinks/*.yaml`) names
 * the module and export of a factory `createXSink(settings, context)` returning this plain object.
 */
export interface SinkEvent {
  /** SSE event name (`message` when the stream gave none), or `stdout` / `stderr` for process lines. */
  readonly event: string;
  /** The payload: an SSE event's data (multi-line data joined with "\n") or one output line. */
  readonly data: string;
  /** The SSE `id` field, when the stream sent one. */
  readonly id?: string;
  /** Set on a process output line cut at the primitive's `max_line_bytes`. */
  readonly truncated?: true;
}

export interface SinkV1 {
  readonly specificationVersion: "sink-v1";
  /** Stable kebab- or snake-case id (`file_sink`, `websocket_sink`). */
  readonly id: string;
  /**
   * Receives one event. May return a promise: the writer awaits it before the next event to this sink,
   * so a sink sees its events in order. Throwing marks this sink failed; other sinks and the stream go on.
   */
  write(event: SinkEvent): void | Promise<void>;
  /** Optional: push buffered events to their destination. */
  flush?(): Promise<void>;
  /** Releases resources (flush, fsync, socket close). Called once, on success, error and abort alike. */
  close(): Promise<void>;
}

/** What a sink factory learns about where it runs. */
export interface SinkContext {
  /** The pinned project root: file destinations must stay inside it. */
  readonly projectRoot: string;
  /** The tool whose stream this sink receives. */
  readonly toolId: string;
  readonly signal?: AbortSignal;
}

export type SinkFactory<Settings = Record<string, unknown>> = ((
  settings: Settings,
  context: SinkContext,
) => SinkV1 | Promise<SinkV1>) & {
  /** Optional Standard Schema the loader validates settings with before calling the factory. */
  readonly settingsSchema?: unknown;
};

/**
 * A sink that failed during one call, as a result reports it under `sink_errors` (snake_case: it travels
 * in tool results). After its first failure a sink receives nothing more; the stream and the other sinks go on.
 */
export interface SinkFailure {
  /** The failed sink's `id`. */
  readonly sink: string;
  /** When it failed. (A sink that cannot open fails the call before the stream starts.) */
  readonly phase: "write" | "flush" | "close";
  readonly message: string;
  /** The error's code when it had one (`SINK_WRITE_FAILED`, …). */
  readonly code?: string;
  /** Events this sink had accepted before it failed (write and flush failures; a closing sink has none). */
  readonly events_written?: number;
}
