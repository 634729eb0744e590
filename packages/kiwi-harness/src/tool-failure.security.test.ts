// Failures never swallowed (issue 13 §6): an exception thrown while a harness runs a reply's tool calls
// used to become "interrupted" results, its cause lost. On a real managed thread (real registry, the fake
// LLM), a tool step whose record cannot be written throws REGISTRY_UNAVAILABLE: the transcript's
// tool_result and a tool_error warning carry the code and message, and the model reads them.
import { KiwiError } from "@kiwi/spec";
import { readTranscript } from "@kiwi/threads";
import { afterEach, describe, expect, it } from "vitest";
import type { StepJournal } from "./runtime/step-journal";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call } from "./test-support/thread-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A journal that records nothing and cannot record a tool step: the registry is full. */
const fullRegistry = (): StepJournal => ({
  begin: () => undefined,
  end: (intent) => {
    if (intent.kind === "tool") {
      throw new KiwiError({
        code: "REGISTRY_UNAVAILABLE",
        message: "the thread registry could not be written: disk full",
      });
    }
  },
});

const greet = (who: string, id: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "greet", parameters: { who } }, id);

describe("an exception while a thread's tool calls run", () => {
  it("is recorded with its code and message, and the model reads the cause", async () => {
    world = await runtimeWorld({
      script: {
        turns: [
          {
            tool_calls: [greet("Ada", "call_a").tool_calls[0]!, greet("Grace", "call_b").tool_calls[0]!],
          },
          { text: "saw why" },
        ],
      },
      runtime: { journal: fullRegistry },
    });
    await world.directive("failing", threadDirectiveFile({ name: "failing" }));
    const spawned = await world.runtime.spawn({ directive: "failing", message: "go" });
    expect(await spawned.wait({ timeoutMs: 20_000 })).toMatchObject({
      status: "completed",
      reason: "end_turn",
    });
    const log = readTranscript(world.runtime.manager.transcriptPath(spawned.thread_id)).events;
    expect(log.find((e) => e.type === "tool_result" && e.id === "call_a")).toMatchObject({
      success: false,
      error_code: "REGISTRY_UNAVAILABLE",
      error_message: "the thread registry could not be written: disk full",
    });
    expect(log.find((e) => e.type === "warning" && e.kind === "tool_error")).toMatchObject({
      code: "REGISTRY_UNAVAILABLE",
      calls: ["call_a", "call_b"],
    });
    // Both calls got the cause as their result: not "interrupted".
    const second = JSON.stringify(world.fake.requests[1]!.body);
    expect(second).not.toContain("interrupted");
    expect(second.match(/REGISTRY_UNAVAILABLE/g)).toHaveLength(2);
    expect(second).toContain("disk full");
  });
});
