import type { ProviderStreamParser, ProviderV1 } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { checkFormatRequest } from "./provider/check-format";
import { checkPriced, checkTiers, checkUnknown } from "./provider/check-models";
import { parseChecked } from "./provider/check-stream";
import {
  checkCutStream,
  checkErrorStream,
  checkHostile,
  checkTextStream,
  checkToolCallStream,
} from "./provider/check-stream-kinds";
import { REFERENCE_STREAMS, referenceProvider } from "./provider/reference-provider";
import { testProvider } from "./test-provider";

// The suite on the reference provider: every case passes.
testProvider("reference provider", () => referenceProvider(), {
  streams: REFERENCE_STREAMS,
  models: { priced: "ref-1", unpriced: "ref-limits" },
});

testProvider("reference provider without models", () => referenceProvider({ models: undefined }), {
  streams: REFERENCE_STREAMS,
});

/** A parser whose state is changed after every push by `tamper` (a bug in an otherwise correct parser). */
const tampered = (tamper: (parser: ProviderStreamParser) => void): ProviderV1 =>
  referenceProvider({
    createStreamParser() {
      const parser = referenceProvider().createStreamParser();
      return {
        state: parser.state,
        push(event) {
          parser.push(event);
          tamper(parser);
        },
      };
    },
  });

// Each check fails on a provider that breaks the rule it states.
describe("the provider suite's checks fail on broken providers", () => {
  const { text, toolCalls, cut, error } = REFERENCE_STREAMS;

  it("arguments parsed before the call is complete (a harness could run a partial call)", () => {
    const eager = tampered(({ state }) => {
      for (const c of state.tool_calls) if (!c.is_complete) c.arguments = {};
    });
    expect(() => parseChecked(eager, toolCalls.events)).toThrow(/has arguments before it is complete/);
  });

  it("a clean finish on a cut stream", () => {
    const finishes = tampered(({ state }) => {
      state.clean_finish = true;
    });
    expect(() => checkCutStream(finishes, cut.events)).toThrow(/must not finish cleanly/);
    expect(() => parseChecked(finishes, cut.events)).toThrow(/clean finish with an open call/);
  });

  it("text rewritten while streaming, or events not counted", () => {
    const rewrites = tampered(({ state }) => {
      if (state.text_blocks[0] === "Hello.") state.text_blocks[0] = "Hi.";
    });
    expect(() => parseChecked(rewrites, text.events)).toThrow(/rewritten/);
    const uncounted = tampered(({ state }) => {
      state.events = 0;
    });
    expect(() => parseChecked(uncounted, text.events)).toThrow(/counts every event/);
  });

  it("events applied after the end marker or an error", () => {
    const reopens = tampered(({ state }) => {
      if (state.events > 3) state.text_blocks.push("more");
    });
    expect(() => checkTextStream(reopens, text.events, toolCalls.events)).toThrow();
    expect(() => checkErrorStream(reopens, error.events, text.events)).toThrow();
  });

  it("a tool-call stream whose JSON never arrives in pieces proves nothing about partial calls", () => {
    const whole = REFERENCE_STREAMS.toolCalls.events.filter((e) => e.event !== "args");
    expect(() => checkToolCallStream(referenceProvider(), whole)).toThrow(/partial JSON/);
  });

  it("a parser that throws on unreadable data", () => {
    const throwing = referenceProvider({
      createStreamParser: () => ({
        state: referenceProvider().createStreamParser().state,
        push: () => JSON.parse("{"),
      }),
    });
    expect(() => checkHostile(throwing, ["text"])).toThrow();
  });

  it("formatRequest that loses part of the conversation, or mutates its input", () => {
    const dropsResults = referenceProvider({
      formatRequest: (r) => ({ model: r.model, messages: r.messages.filter((m) => m.role !== "tool") }),
    });
    expect(() => checkFormatRequest(dropsResults, "ref-1")).toThrow(/lost "system marker 7d1e"/);
    const mutates = referenceProvider({
      formatRequest: (r) => {
        (r.messages as unknown[]).reverse();
        return { ...r };
      },
    });
    expect(() => checkFormatRequest(mutates, "ref-1")).toThrow(TypeError);
  });

  it("an unknown model priced at $0, a cost that does not grow with usage, a tier without a price", () => {
    const models = referenceProvider().models!;
    expect(() => checkUnknown({ ...models, costOf: () => ({ usd: 0 }) })).toThrow();
    expect(() => checkPriced({ ...models, costOf: () => ({ usd: 1 }) }, "ref-1", new Date())).toThrow();
    expect(() => checkTiers({ ...models, tiers: { balanced: "ref-2" } }, new Date())).toThrow(
      /tier balanced → ref-2/,
    );
    expect(() => checkTiers({ ...models, tiers: { fast: "ref-1" } }, new Date())).toThrow(/balanced/);
    expect(() => checkTiers({ ...models, tiers: { balanced: "ref-1", quick: "ref-1" } }, new Date())).toThrow(
      /quick/,
    );
  });
});
