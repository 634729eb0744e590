import { z } from "zod";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isWebSocketUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "ws:" || url.protocol === "wss:") && url.hash === "";
  } catch {
    return false;
  }
}

/** Settings of websocket_sink, validated by the plugin loader (unknown keys are errors) and by the factory. */
export const webSocketSinkSettingsSchema = z.strictObject({
  url: z
    .string()
    .refine(isWebSocketUrl, "must be a ws:// or wss:// URL without a #fragment")
    .describe("Where to send events, e.g. ws://127.0.0.1:8080/events."),
  reconnect: z
    .strictObject({
      max_attempts: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(5)
        .describe("Connection attempts after a failure before the sink gives up (0 = never retry)."),
      backoff_ms: z
        .array(z.number().int().min(0).max(60_000))
        .min(1)
        .default([100, 500, 2000])
        .describe("Wait before retry n (the last value repeats)."),
    })
    .prefault({}),
  max_buffered_events: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(1000)
    .describe("Events kept while disconnected; past it the oldest are dropped and counted."),
  close_timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(2000)
    .describe("How long close() may spend delivering what is buffered before it closes the socket."),
  connect_timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(5000)
    .describe("Opening handshake timeout per attempt."),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, "must be an HTTP header name"),
      z
        .string()
        .regex(/^[\t\x20-\x7e\x80-\xff]*$/, "must hold printable Latin-1 characters only (no CR, LF, NUL)"),
    )
    .optional()
    .describe("Extra headers of the opening handshake (e.g. Authorization: Bearer ${TOKEN})."),
});

/** What a YAML definition or a caller writes (defaults optional). */
export type WebSocketSinkSettings = z.input<typeof webSocketSinkSettingsSchema>;
/** Settings after defaults. */
export type ResolvedWebSocketSinkSettings = z.output<typeof webSocketSinkSettingsSchema>;
