import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeLlmServer, FakeScriptError } from "./index";
import type { FakeScript } from "./script";
import type { FakeLlmServer, RecordedRequest } from "./server-types";

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ANTHROPIC_REQUEST = {
  model: "claude-test",
  max_tokens: 100,
  messages: [{ role: "user" as const, content: "hi" }],
};
const OPENAI_REQUEST = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };

async function start(script: FakeScript, onRequest?: (request: RecordedRequest) => void | Promise<void>) {
  server = await createFakeLlmServer({ script, onRequest });
  const anthropic = new Anthropic({ apiKey: "test-key", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
  const openai = new OpenAI({ apiKey: "test-key", baseURL: server.openaiBaseUrl, maxRetries: 0 });
  return { server, anthropic, openai };
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

describe("createFakeLlmServer", () => {
  it("listens on loopback, port 0 by default, with the base URLs each SDK expects", async () => {
    const { server } = await start({ turns: [] });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.anthropicBaseUrl).toBe(server.url);
    expect(server.openaiBaseUrl).toBe(`${server.url}/v1`);
  });

  it("routes: a conversation whose first user message matches takes its own turns, in order", async () => {
    const { anthropic, openai } = await start({
      turns: [{ text: "shared" }],
      routes: [
        { match: "thread A", turns: [{ text: "A1" }, { text: "A2" }] },
        { match: "thread B", turns: [{ text: "B1" }] },
      ],
    });
    const ask = async (first: string, sdk: "anthropic" | "openai" = "anthropic") => {
      if (sdk === "openai") {
        const r = await openai.chat.completions.create({
          model: "gpt-test",
          messages: [
            { role: "system", content: "thread A is mentioned in the system prompt only" },
            { role: "user", content: first },
          ],
        });
        return r.choices[0]?.message.content;
      }
      const r = await anthropic.messages.create({
        model: "claude-test",
        max_tokens: 10,
        messages: [
          { role: "user", content: [{ type: "text", text: first }] },
          { role: "assistant", content: "thread A appears later but does not count" },
          { role: "user", content: "more" },
        ],
      });
      return r.content[0]?.type === "text" ? r.content[0].text : undefined;
    };
    expect(await ask("work for thread B")).toBe("B1");
    expect(await ask("work for thread A")).toBe("A1");
    expect(await ask("unrouted", "openai")).toBe("shared");
    expect(await ask("thread A again", "openai")).toBe("A2");
    expect(await ask("thread A third")).toBe("(script exhausted)");
    expect(await ask("thread B again")).toBe("(script exhausted)");
  });

  it("refuses a malformed route", async () => {
    await expect(
      createFakeLlmServer({ script: { turns: [], routes: [{ match: "", turns: [] }] } as FakeScript }),
    ).rejects.toThrow(/routes\[0\]/);
  });

  it("shares one script across both endpoints, in order, and counts what remains", async () => {
    const { server, anthropic, openai } = await start({
      turns: [{ text: "one" }, { text: "two" }, { text: "three" }],
    });
    expect(server.remaining()).toBe(3);
    const one = await anthropic.messages.create(ANTHROPIC_REQUEST);
    const two = await openai.chat.completions.create(OPENAI_REQUEST);
    const three = await anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage();
    expect([one.content[0], two.choices[0]!.message.content, three.content[0]]).toEqual([
      { type: "text", text: "one" },
      "two",
      { type: "text", text: "three" },
    ]);
    expect(server.remaining()).toBe(0);
    expect(server.requests.map((request) => [request.endpoint, request.turnIndex])).toEqual([
      ["anthropic", 0],
      ["openai", 1],
      ["anthropic", 2],
    ]);
  });

  it("answers '(script exhausted)' once the turns are used up, on both endpoints, and never hangs", async () => {
    const { server, anthropic, openai } = await start({ turns: [{ text: "only" }] });
    await anthropic.messages.create(ANTHROPIC_REQUEST);
    const a = await anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage();
    expect(a.content).toEqual([{ type: "text", text: "(script exhausted)" }]);
    expect(a.stop_reason).toBe("end_turn");
    const o = await openai.chat.completions.stream(OPENAI_REQUEST).finalChatCompletion();
    expect(o.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "(script exhausted)" } });
    expect(server.requests.map((request) => request.turnIndex)).toEqual([0, null, null]);
    expect(server.remaining()).toBe(0);
  });

  it("serves concurrent streams, each consuming exactly one distinct turn", async () => {
    const texts = Array.from({ length: 8 }, (_, i) => `answer number ${i} `.repeat(5));
    const { server, anthropic, openai } = await start({
      turns: texts.map((text) => ({ text, delay_ms: 2, chunk_size: 5 })),
    });
    const answers = await Promise.all(
      texts.map(async (_, i) => {
        if (i % 2 === 0) {
          const message = await anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage();
          return message.content[0]?.type === "text" ? message.content[0].text : "";
        }
        const completion = await openai.chat.completions.stream(OPENAI_REQUEST).finalChatCompletion();
        return completion.choices[0]!.message.content ?? "";
      }),
    );
    expect([...answers].sort()).toEqual([...texts].sort());
    expect(server.requests.map((request) => request.turnIndex).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("records method, path, query, lowercased headers and the parsed body of every request", async () => {
    const seen: RecordedRequest[] = [];
    const { server, anthropic } = await start({ turns: [{ text: "ok" }] }, (request) => {
      seen.push(request);
    });
    await anthropic.messages.create({
      ...ANTHROPIC_REQUEST,
      system: "You are Kiwi.",
      tools: [{ name: "search", description: "Find items", input_schema: { type: "object" } }],
    });
    await post(`${server.url}/v1/messages?beta=true`, JSON.stringify(ANTHROPIC_REQUEST), {
      "X-Custom": "Yes",
    });
    expect(seen).toEqual(server.requests);
    const [first, second] = server.requests;
    expect(first!.body).toMatchObject({ system: "You are Kiwi.", tools: [{ name: "search" }] });
    expect(JSON.parse(first!.rawBody)).toEqual(first!.body);
    expect(second).toMatchObject({ method: "POST", path: "/v1/messages", query: "beta=true" });
    expect(second!.headers["x-custom"]).toBe("Yes");
  });

  it("answers 404 on unknown paths in the caller's error shape, without consuming a turn", async () => {
    const { server } = await start({ turns: [{ text: "kept" }] });
    const anthropicStyle = await post(`${server.url}/v1/complete`, "{}", {
      "anthropic-version": "2023-06-01",
    });
    expect(anthropicStyle.status).toBe(404);
    expect(await anthropicStyle.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const openaiStyle = await post(`${server.url}/v1/embeddings`, "{}", { authorization: "Bearer k" });
    expect(openaiStyle.status).toBe(404);
    expect(await openaiStyle.json()).toMatchObject({ error: { type: "invalid_request_error", param: null } });
    const wrongMethod = await fetch(`${server.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(404);
    expect(server.requests.map((request) => request.endpoint)).toEqual(["unknown", "unknown", "unknown"]);
    expect(server.remaining()).toBe(1);
  });

  it("answers 400 to a body that is not a JSON object, without consuming a turn", async () => {
    const { server } = await start({ turns: [{ text: "kept" }] });
    const response = await post(`${server.url}/v1/messages`, "{not json");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(server.requests[0]).toMatchObject({ body: undefined, rawBody: "{not json", turnIndex: null });
    expect(server.remaining()).toBe(1);
  });

  it("setScript replaces the turns and starts from the first; an invalid script is refused", async () => {
    const { server, anthropic } = await start({ turns: [{ text: "old" }, { text: "old 2" }] });
    await anthropic.messages.create(ANTHROPIC_REQUEST);
    server.setScript({ turns: [{ text: "new" }] });
    expect(server.remaining()).toBe(1);
    const message = await anthropic.messages.create(ANTHROPIC_REQUEST);
    expect(message.content).toEqual([{ type: "text", text: "new" }]);
    expect(() => server.setScript({ turns: [{ tool_call: [] }] } as unknown as FakeScript)).toThrow(
      FakeScriptError,
    );
  });

  it("answers 500 in the provider's shape when onRequest throws, and stays up", async () => {
    let fail = true;
    const { anthropic } = await start({ turns: [{ text: "fine" }] }, () => {
      if (fail) throw new Error("hook exploded");
    });
    const error = await anthropic.messages.create(ANTHROPIC_REQUEST).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as InstanceType<typeof Anthropic.APIError>).message).toContain("hook exploded");
    fail = false;
    const message = await anthropic.messages.create(ANTHROPIC_REQUEST);
    expect(message.content).toEqual([{ type: "text", text: "fine" }]);
  });

  it("survives a client that aborts mid-stream, and close() ends streams still being written", async () => {
    const { server, anthropic } = await start({
      turns: [
        { text: "slow ".repeat(40), delay_ms: 20, chunk_size: 2 },
        { text: "next" },
        { text: "endless ".repeat(100), delay_ms: 50 },
      ],
    });
    const stream = anthropic.messages.stream(ANTHROPIC_REQUEST);
    await new Promise<void>((resolve) => stream.once("text", () => resolve()));
    stream.abort();
    await expect(stream.finalMessage()).rejects.toThrow();
    const next = await anthropic.messages.create(ANTHROPIC_REQUEST);
    expect(next.content).toEqual([{ type: "text", text: "next" }]);

    const endless = anthropic.messages.stream(ANTHROPIC_REQUEST);
    await new Promise<void>((resolve) => endless.once("text", () => resolve()));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(endless.finalMessage()).rejects.toThrow();
  });

  it("waits delay_ms between events", async () => {
    const { anthropic } = await start({ turns: [{ text: "abcdefgh", chunk_size: 2, delay_ms: 30 }] });
    const started = Date.now();
    await anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage();
    // message_start, block start, ping, 4 deltas, block stop, message_delta, message_stop: 9 gaps.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 30 - 20);
  });
});
