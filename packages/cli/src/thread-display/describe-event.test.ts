import { describe, expect, it } from "vitest";
import { describeEvent } from "./describe-event";

describe("describeEvent", () => {
  it("describes a context compaction: estimated tokens before and after, messages summarized, cost", () => {
    const line = describeEvent({
      type: "compacted",
      turn: 3,
      tokens_before: 2915,
      tokens_after: 1204,
      messages: 3,
      usage: { input_tokens: 700, output_tokens: 20 },
      usd: 0.00066,
      unpriced: false,
    });
    expect(line).toBe("context compacted: ~2,915 → ~1,204 tokens (3 messages summarized) · $0.0007");
    expect(describeEvent({ type: "compacted", tokens_before: 10, tokens_after: 5, usd: null })).toBe(
      "context compacted: ~10 → ~5 tokens · unpriced",
    );
  });

  it("describes a resume in place (journaled steps, what became of the steps in flight) and from a checkpoint", () => {
    expect(
      describeEvent({
        type: "resumed",
        in_place: true,
        pid: 4708,
        journaled_steps: 3,
        pending: [{ seq: 3, decision: "rerun" }],
      }),
    ).toBe("resumed in place (3 journaled steps; step 3 rerun)");
    expect(describeEvent({ type: "resumed", in_place: true, journaled_steps: 5 })).toBe(
      "resumed in place (5 journaled steps)",
    );
    expect(describeEvent({ type: "resumed", turn: 2, messages: 4 })).toBe("resumed at turn 2 (4 messages)");
  });
});
