/**
 * Builds an Anthropic-shaped Messages SSE stream (message_start, content_block_start, ping, N-4
 * content_block_delta text deltas, content_block_stop, message_delta, message_stop) as one Buffer, and
 * cuts it into ~16 KiB chunks the loopback server writes as they are.
 */
const WORDS = ["Hello", " world", ", the", " quick", " brown", " fox", " jumps", " over", " a", " lazy dog."];

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** An SSE stream of exactly `events` events (at least 7). */
export function buildAnthropicStream(events: number): Buffer {
  const deltas = Math.max(1, events - 6);
  const parts: string[] = [
    frame("message_start", {
      type: "message_start",
      message: {
        id: "msg_01XFDUDYJgAACzvnptvVoYEL",
        type: "message",
        role: "assistant",
        content: [],
        model: "kiwi-bench-model",
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    }),
    frame("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    }),
    frame("ping", { type: "ping" }),
  ];
  for (let i = 0; i < deltas; i++) {
    const text = `${WORDS[i % WORDS.length]} #${i}${i % 8 === 0 ? " héllo" : ""}`;
    parts.push(
      frame("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text },
      }),
    );
  }
  parts.push(
    frame("content_block_stop", { type: "content_block_stop", index: 0 }),
    frame("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: deltas },
    }),
    frame("message_stop", { type: "message_stop" }),
  );
  return Buffer.from(parts.join(""), "utf8");
}

/** Cuts a buffer into chunks of `size` bytes (the last one shorter), the way a server would write them. */
export function toChunks(bytes: Buffer, size = 16 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}
