import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeLlmServer } from "./index";
import type { FakeTurn } from "./script";
import type { FakeLlmServer } from "./server-types";

// Scripted provider failures, as the official SDKs classify them.

const ANTHROPIC_REQUEST = {
  model: "claude-test",
  max_tokens: 100,
  messages: [{ role: "user" as const, content: "hi" }],
};
const OPENAI_REQUEST = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(turns: FakeTurn[], maxRetries = 0) {
  server = await createFakeLlmServer({ script: { turns } });
  const anthropic = new Anthropic({ apiKey: "test-key", baseURL: server.anthropicBaseUrl, maxRetries });
  const openai = new OpenAI({ apiKey: "test-key", baseURL: server.openaiBaseUrl, maxRetries });
  return { server, anthropic, openai };
}

describe("http_status", () => {
  it("429 surfaces as RateLimitError in both SDKs, with retry-after: 1 and the provider's error body", async () => {
    const { anthropic, openai } = await start([{ http_status: 429 }, { http_status: 429 }]);
    const first = await anthropic.messages.create(ANTHROPIC_REQUEST).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(Anthropic.RateLimitError);
    const rate = first as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rate.status).toBe(429);
    expect(rate.headers?.get("retry-after")).toBe("1");
    expect(rate.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });

    const second = await openai.chat.completions.create(OPENAI_REQUEST).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    expect((second as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("rate_limit_exceeded");
  });

  it("429 on a stream request too, and a retrying SDK gets the next turn", async () => {
    const { anthropic, server } = await start([{ http_status: 429 }, { text: "after the retry" }], 1);
    const message = await anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "after the retry" }]);
    expect(server.requests.map((request) => request.turnIndex)).toEqual([0, 1]);
    expect(server.requests[1]!.headers["x-stainless-retry-count"]).toBe("1");
  }, 10_000);

  it("500 and 529 surface as InternalServerError; a scripted error message is passed through", async () => {
    const { anthropic, openai } = await start([
      { http_status: 529, error: { type: "overloaded_error", message: "Overloaded" } },
      { http_status: 500 },
      { http_status: 500 },
    ]);
    const overloaded = await anthropic.messages.create(ANTHROPIC_REQUEST).catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).message).toContain("Overloaded");
    await expect(anthropic.messages.stream(ANTHROPIC_REQUEST).finalMessage()).rejects.toBeInstanceOf(
      Anthropic.InternalServerError,
    );
    await expect(openai.chat.completions.create(OPENAI_REQUEST)).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });
});

describe("error (mid-stream)", () => {
  it("the Anthropic SDK raises on an `event: error` after partial content", async () => {
    const { anthropic } = await start([
      { text: "Partial answer that never ends", error: { type: "overloaded_error", message: "Overloaded" } },
    ]);
    const seen: string[] = [];
    const stream = anthropic.messages.stream(ANTHROPIC_REQUEST);
    stream.on("text", (delta) => seen.push(delta));
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
    expect(seen.join("")).toBe("Partial answer that never ends");
  });

  it("the OpenAI SDK raises on an error chunk after partial content", async () => {
    const { openai } = await start([{ text: "Partial", error: { type: "server_error", message: "boom" } }]);
    const error = await openai.chat.completions
      .stream(OPENAI_REQUEST)
      .finalChatCompletion()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("boom");
  });

  it("a non-streaming request with a scripted error gets the matching HTTP error", async () => {
    const { anthropic, openai } = await start([
      { error: { type: "rate_limit_error", message: "slow down" } },
      { error: { type: "invalid_request_error", message: "bad" } },
    ]);
    await expect(anthropic.messages.create(ANTHROPIC_REQUEST)).rejects.toBeInstanceOf(
      Anthropic.RateLimitError,
    );
    await expect(openai.chat.completions.create(OPENAI_REQUEST)).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });
});
