import type { SinkContext, SinkEvent, SinkV1 } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import WebSocket from "ws";
import { BoundedQueue } from "./bounded-queue";
import { type WebSocketSinkSettings, webSocketSinkSettingsSchema } from "./websocket-sink-settings";

/** Bytes handed to the socket but not yet written out; past it events wait in the bounded queue. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** The server is not expected to talk; a flood from it is cut here. */
const MAX_INCOMING_BYTES = 64 * 1024;

export type WebSocketSinkState = "connecting" | "open" | "waiting" | "failed" | "closed";

/** websocket_sink: what `createWebSocketSink` returns, with counters for monitoring and tests. */
export interface WebSocketSink extends SinkV1 {
  readonly state: WebSocketSinkState;
  /** Events dropped because the buffer was full (oldest first). */
  readonly dropped: number;
  /** Events waiting to be handed to the socket. */
  readonly buffered: number;
  /** Frames the socket confirmed it wrote out. */
  readonly sent: number;
  /** Resolves once everything written so far was written out to the socket (waits through a reconnection). */
  flush(): Promise<void>;
}

/** Strips credentials and query (tokens often ride there) so the URL can appear in messages. */
function safeUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function frameOf(event: SinkEvent): string {
  const { event: name, data, id } = event;
  return JSON.stringify(id === undefined ? { event: name, data } : { event: name, data, id });
}

/**
 * websocket_sink: sends each event as a JSON text frame `{event, data, id?}`. `write` never waits for the
 * network: events go to a bounded queue (oldest dropped and counted when full) drained in order whenever the
 * socket is open. A lost connection is retried with backoff (`reconnect`); frames not yet written out are
 * re-sent after reconnecting. Once the retries are spent, `write` throws SINK_WRITE_FAILED. `close()` delivers
 * what it can within `close_timeout_ms`, closes with code 1000, and rejects with SINK_FLUSH_INCOMPLETE when
 * events were left undelivered.
 */
export function createWebSocketSink(settings: WebSocketSinkSettings, context?: SinkContext): WebSocketSink {
  const parsed = webSocketSinkSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`);
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `websocket_sink: invalid settings: ${detail.join("; ")}`,
      context: { sink: "websocket_sink", issues: detail },
    });
  }
  const s = parsed.data;
  const where = safeUrl(s.url);
  const queue = new BoundedQueue<string>(s.max_buffered_events);
  let inflight: { frame: string }[] = [];
  let inflightBytes = 0;
  let sent = 0;
  let socket: WebSocket | undefined;
  let state: WebSocketSinkState = "connecting";
  let failures = 0; // consecutive failed attempts
  let lastError = "";
  let failure: KiwiError | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false; // close() decided: no more reconnects
  let closing: Promise<void> | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const wake of [...waiters]) wake();
  };

  function waitFor(done: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!done() && Date.now() < deadline) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(done());
      };
      const timer = Number.isFinite(deadline)
        ? setTimeout(check, Math.max(0, deadline - Date.now()))
        : undefined;
      waiters.add(check);
      check();
    });
  }

  function pump(): void {
    while (socket && state === "open" && queue.length > 0 && inflightBytes < HIGH_WATER_BYTES) {
      const entry = { frame: queue.shift() as string };
      inflight.push(entry);
      inflightBytes += entry.frame.length;
      socket.send(entry.frame, (error) => {
        const at = inflight.indexOf(entry);
        if (error || at < 0) return; // the close handler re-queues what was not written out
        inflight.splice(at, 1);
        inflightBytes -= entry.frame.length;
        sent += 1;
        pump();
        notify();
      });
    }
  }

  function giveUp(reason: string): void {
    state = "failed";
    failure = new KiwiError({
      code: "SINK_WRITE_FAILED",
      message: `websocket_sink: ${reason} (${where}${lastError ? `: ${lastError}` : ""}); check that the server is up and the URL is right`,
      context: {
        sink: "websocket_sink",
        url: where,
        attempts: failures,
        buffered: queue.length,
        dropped: queue.dropped,
      },
    });
    notify();
  }

  function scheduleRetry(): void {
    if (stopped) {
      state = "closed";
      notify();
      return;
    }
    if (context?.signal?.aborted) {
      giveUp("the stream was aborted while disconnected");
      return;
    }
    if (failures >= s.reconnect.max_attempts) {
      giveUp(`gave up after ${failures} reconnection attempt${failures === 1 ? "" : "s"}`);
      return;
    }
    const delay = s.reconnect.backoff_ms[Math.min(failures, s.reconnect.backoff_ms.length - 1)] ?? 0;
    failures += 1;
    state = "waiting";
    retryTimer = setTimeout(connect, delay);
    notify();
  }

  function connect(): void {
    retryTimer = undefined;
    state = "connecting";
    let ws: WebSocket;
    try {
      ws = new WebSocket(s.url, {
        headers: s.headers,
        handshakeTimeout: s.connect_timeout_ms,
        followRedirects: false, // a redirect would carry the headers (credentials) to another host
        perMessageDeflate: false,
        maxPayload: MAX_INCOMING_BYTES,
      });
    } catch (error) {
      // A configuration problem (the schema should have caught it): retrying cannot help.
      lastError = (error as NodeJS.ErrnoException).code ?? "invalid URL or header";
      giveUp("cannot open a connection");
      return;
    }
    socket = ws;
    ws.on("open", () => {
      failures = 0;
      state = "open";
      pump();
      notify();
    });
    ws.on("error", (error) => {
      // Keep the cause of the last failed attempt, not the noise of our own shutdown.
      if (!stopped) lastError = (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 200);
    });
    ws.on("close", () => {
      if (socket !== ws) return;
      socket = undefined;
      queue.unshiftAll(inflight.map((e) => e.frame)); // not confirmed written: send again after reconnecting
      inflight = [];
      inflightBytes = 0;
      scheduleRetry();
    });
  }

  const delivered = () => queue.length === 0 && inflight.length === 0;

  function incomplete(step: string): KiwiError {
    const undelivered = queue.length + inflight.length;
    return new KiwiError({
      code: "SINK_FLUSH_INCOMPLETE",
      message: `websocket_sink: ${undelivered} event(s) not delivered to ${where} within close_timeout_ms (${s.close_timeout_ms} ms) at ${step}${lastError ? `; last error: ${lastError}` : ""}`,
      context: { sink: "websocket_sink", url: where, step, undelivered, dropped: queue.dropped },
    });
  }

  function onAbort(): void {
    // No new attempts once the stream is aborted; an open socket stays for close() to flush.
    if (state === "waiting") {
      clearTimeout(retryTimer);
      giveUp("the stream was aborted while disconnected");
    }
  }
  context?.signal?.addEventListener("abort", onAbort, { once: true });

  async function closeOnce(): Promise<void> {
    context?.signal?.removeEventListener("abort", onAbort);
    const deadline = Date.now() + s.close_timeout_ms;
    await waitFor(() => delivered() || state === "failed", deadline);
    stopped = true;
    clearTimeout(retryTimer);
    const ws = socket;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.close(1000, "sink closed");
      // Wait for the closing handshake, a little past the deadline at worst, then cut the connection.
      const closed = await waitFor(() => socket !== ws, Math.max(deadline, Date.now() + 250));
      if (!closed) ws.terminate();
    } else ws?.terminate();
    state = "closed";
    notify();
    if (!delivered()) throw incomplete("close");
  }

  connect();

  return {
    specificationVersion: "sink-v1",
    id: "websocket_sink",
    get state() {
      return state;
    },
    get dropped() {
      return queue.dropped;
    },
    get buffered() {
      return queue.length;
    },
    get sent() {
      return sent;
    },
    write(event: SinkEvent) {
      if (closing) {
        throw new KiwiError({ code: "SINK_CLOSED", message: "websocket_sink: write after close" });
      }
      if (failure) throw failure;
      queue.push(frameOf(event));
      pump();
    },
    async flush() {
      // Resolves once everything written so far went out to the socket; waits through a reconnection.
      await waitFor(
        () => delivered() || state === "failed" || state === "closed",
        Date.now() + s.close_timeout_ms,
      );
      if (failure) throw failure;
      if (!delivered()) throw incomplete("flush");
    },
    close() {
      if (closing)
        return closing.then(
          () => {},
          () => {},
        );
      closing = closeOnce();
      return closing;
    },
  };
}

createWebSocketSink.settingsSchema = webSocketSinkSettingsSchema;
