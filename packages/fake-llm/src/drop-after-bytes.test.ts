import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeLlmServer } from "./index";
import type { FakeTurn } from "./script";
import type { FakeLlmServer } from "./server-types";

// A connection cut at any byte (between events, inside one, inside a UTF-8 character, after the last
// byte) must surface as an error in the official SDKs, never as a short but "complete" answer, and must
// leave the server answering the next request.

const TURN: FakeTurn = {
  text: "Kiwi 🥝 says hello to Ada.",
  tool_calls: [
    { name: "execute", arguments: { item_type: "tool", item_id: "greet", parameters: { who: "Ada" } } },
  ],
  chunk_size: 4,
};

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The clean body's bytes, to choose cut positions from (ids have fixed lengths, so offsets are stable). */
async function cleanBody(url: string, body: unknown, headers: Record<string, string>): Promise<Buffer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return Buffer.from(await response.arrayBuffer());
}

/** Cut positions: start, inside the first event, at an event boundary, mid-body, inside 🥝, near the end. */
function cutPositions(body: Buffer): number[] {
  const firstBoundary = body.indexOf("\n\n") + 2;
  const emoji = body.indexOf(Buffer.from("🥝"));
  return [0, 1, 17, firstBoundary, Math.floor(body.length / 2), emoji + 2, body.length - 1, body.length];
}

describe("drop_after_bytes: mid-stream cuts", () => {
  it("the Anthropic SDK raises at every cut position and the server keeps answering", async () => {
    server = await createFakeLlmServer({ script: { turns: [TURN] } });
    const client = new Anthropic({ apiKey: "test-key", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const request = {
      model: "claude-test",
      max_tokens: 100,
      messages: [{ role: "user" as const, content: "hi" }],
    };
    const body = await cleanBody(
      `${server.url}/v1/messages`,
      { ...request, stream: true },
      { "x-api-key": "k" },
    );
    expect(body.includes(Buffer.from("🥝"))).toBe(true);

    for (const cut of cutPositions(body)) {
      server.setScript({ turns: [{ ...TURN, drop_after_bytes: cut }, { text: "still alive" }] });
      await expect(client.messages.stream(request).finalMessage(), `cut at ${cut}`).rejects.toThrow(
        /terminated/,
      );
      const next = await client.messages.stream(request).finalMessage();
      expect(next.content).toEqual([{ type: "text", text: "still alive" }]);
    }
  });

  it("the OpenAI SDK raises at every cut position and the server keeps answering", async () => {
    server = await createFakeLlmServer({ script: { turns: [TURN] } });
    const client = new OpenAI({ apiKey: "test-key", baseURL: server.openaiBaseUrl, maxRetries: 0 });
    const request = {
      model: "gpt-test",
      messages: [{ role: "user" as const, content: "hi" }],
      stream_options: { include_usage: true },
    };
    const url = `${server.openaiBaseUrl}/chat/completions`;
    const body = await cleanBody(url, { ...request, stream: true }, { authorization: "Bearer k" });

    for (const cut of cutPositions(body)) {
      server.setScript({ turns: [{ ...TURN, drop_after_bytes: cut }, { text: "still alive" }] });
      await expect(
        client.chat.completions.stream(request).finalChatCompletion(),
        `cut at ${cut}`,
      ).rejects.toThrow(/terminated/);
      const next = await client.chat.completions.stream(request).finalChatCompletion();
      expect(next.choices[0]!.message.content).toBe("still alive");
    }
  });

  it("cuts non-streaming answers too: the SDKs cannot read a half JSON body", async () => {
    server = await createFakeLlmServer({
      script: {
        turns: [
          { ...TURN, drop_after_bytes: 40 },
          { ...TURN, drop_after_bytes: 40 },
        ],
      },
    });
    const anthropic = new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const openai = new OpenAI({ apiKey: "k", baseURL: server.openaiBaseUrl, maxRetries: 0 });
    await expect(
      anthropic.messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toThrow();
    await expect(
      openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toThrow();
  });

  it.each([0, 123])(
    "sends the status line and headers, then exactly the first %i body bytes",
    async (cut) => {
      server = await createFakeLlmServer({ script: { turns: [TURN] } });
      const request = {
        model: "m",
        max_tokens: 10,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      };
      const url = `${server.url}/v1/messages`;
      const clean = await cleanBody(url, request, {});
      server.setScript({ turns: [{ ...TURN, drop_after_bytes: cut }] });
      const response = await fetch(url, { method: "POST", body: JSON.stringify(request) });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const received: Buffer[] = [];
      const reader = response.body!.getReader();
      await expect(
        (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            received.push(Buffer.from(value));
          }
        })(),
      ).rejects.toThrow(/terminated/);
      const got = Buffer.concat(received);
      expect(got.length).toBe(cut);
      // Same bytes as the clean answer apart from the random ids.
      const mask = (text: string) => text.replace(/(msg|toolu)_01[0-9A-Za-z]{22}/g, "$1_ID");
      expect(mask(got.toString("latin1"))).toBe(mask(clean.subarray(0, cut).toString("latin1")));
    },
  );
});
