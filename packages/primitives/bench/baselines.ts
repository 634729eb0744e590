import { get } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import { createParser } from "eventsource-parser";

/** (a) Read and discard the body through fetch, counting bytes. */
export async function rawRead(url: string): Promise<number> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

/** (a') Read and discard the body through node:http (its global keep-alive agent), counting bytes. */
export function rawNodeRead(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** (b) eventsource-parser + JSON.parse of every event over the same fetch body. Returns the event count. */
export async function eventsourceParser(url: string): Promise<number> {
  const response = await fetch(url);
  let count = 0;
  let sink: unknown;
  const parser = createParser({
    onEvent: (event) => {
      sink = JSON.parse(event.data);
      count++;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  return sink === undefined ? -1 : count;
}

const client = (origin: string) => new Anthropic({ apiKey: "x", baseURL: origin, maxRetries: 0 });
const request = {
  model: "kiwi-bench-model",
  max_tokens: 1024,
  messages: [{ role: "user" as const, content: "Hi" }],
};

/** (c) The official SDK: messages.stream(), iterating every event, then finalMessage(). */
export async function sdkMessageStream(origin: string): Promise<number> {
  const stream = client(origin).messages.stream(request);
  let count = 0;
  for await (const _event of stream) count++;
  await stream.finalMessage();
  return count + 1; // the SDK drops `ping`
}

/** (c') The SDK's lighter path: messages.create({stream: true}), events only, no message snapshot. */
export async function sdkRawStream(origin: string): Promise<number> {
  const stream = await client(origin).messages.create({ ...request, stream: true });
  let count = 0;
  for await (const _event of stream) count++;
  return count + 1;
}
