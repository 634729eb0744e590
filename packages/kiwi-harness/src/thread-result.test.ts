// done() / wait() of a spawned thread return the run's result — status, reason, final text, turns,
// usage and USD — on a real runtime (SQLite registry, transcript) against the loopback fake LLM.
import { afterEach, describe, expect, it } from "vitest";
import { type RuntimeWorld, runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";

let world: RuntimeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("the result of a spawned thread", () => {
  it("done() and wait() resolve with status, reason, final text, turns, usage and USD", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "the answer is 42", usage: { input_tokens: 120, output_tokens: 30 } }] },
    });
    await world.directive("child_answer", threadDirectiveFile({ name: "child_answer" }));
    const spawned = await world.runtime.spawn({ directive: "child_answer", message: "what is it?" });
    // The spawn result stays plain data (what a model sees through thread_directive).
    expect(Object.keys(spawned)).not.toContain("done");
    expect(JSON.parse(JSON.stringify(spawned))).not.toHaveProperty("wait");
    const result = await spawned.done();
    expect(result).toMatchObject({
      thread_id: spawned.thread_id,
      status: "completed",
      reason: "end_turn",
      final_text: "the answer is 42",
      turns: 1,
      usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
    });
    expect(result.usage.usd).toBeGreaterThan(0);
    expect(result.error).toBeUndefined();
    expect(await spawned.wait({ timeoutMs: 1_000 })).toEqual(result);
    expect(await world.runtime.manager.done(spawned.thread_id)).toEqual(result);
    // From the registry and the transcript alone (what another process sees): the same result.
    expect(world.runtime.manager.result(spawned.thread_id)).toEqual(result);
  });

  it("a budget exceeded on the last turn ends budget_exceeded, not end_turn", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "done, but expensive", usage: { input_tokens: 400, output_tokens: 200 } }] },
    });
    await world.directive(
      "child_budget",
      threadDirectiveFile({
        name: "child_budget",
        cost: "<cost><max_turns>5</max_turns><max_total_tokens>500</max_total_tokens><on_exceeded>stop</on_exceeded></cost>",
      }),
    );
    const spawned = await world.runtime.spawn({ directive: "child_budget", message: "go" });
    const result = await spawned.done();
    expect(result).toMatchObject({
      status: "completed",
      reason: "budget_exceeded",
      turns: 1,
      final_text: "done, but expensive",
      usage: { total_tokens: 600 },
    });
  });

  it("wait() gives up with TIMEOUT while the thread runs on; a killed thread's done() says killed", async () => {
    world = await runtimeWorld({
      script: { turns: [{ text: "slow answer from the model", chunk_size: 1, delay_ms: 30 }] },
    });
    await world.directive("child_slow", threadDirectiveFile({ name: "child_slow" }));
    const spawned = await world.runtime.spawn({ directive: "child_slow", message: "go" });
    await expect(spawned.wait({ timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(world.runtime.manager.result(spawned.thread_id)).toBeUndefined();
    world.runtime.manager.kill(spawned.thread_id);
    const killed = await spawned.done();
    expect(killed).toMatchObject({ status: "killed", reason: "killed" });
  });
});
