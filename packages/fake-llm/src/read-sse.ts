/** One server-sent event as it came over the wire. */
export interface RawSseEvent {
  readonly event: string | null;
  readonly data: string;
}

/**
 * A deliberately small SSE reader for tests that check the exact framing (the official SDKs hide pings
 * and `[DONE]`). Only what the fake server writes: `event:` and `data:` lines, blank-line separated.
 */
export function parseSse(text: string): RawSseEvent[] {
  const events: RawSseEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (block === "") continue;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice("event: ".length);
      else if (line.startsWith("data: ")) data.push(line.slice("data: ".length));
      else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
    }
    events.push({ event, data: data.join("\n") });
  }
  return events;
}
