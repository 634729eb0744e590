// The step boundary is the seam a journal plugs into: every effect of a run passes through it in order,
// and a journal that hands back recorded outcomes replays the run without asking the model or the
// kernel again — with no change to the harness.
import { describe, expect, it } from "vitest";
import { greet, threadWorld } from "../test-support/thread-world";
import type { StepIntent, StepJournal, StepOutcome } from "./step-journal";
import { StepRunner } from "./step-runner";

function recorder(): StepJournal & { steps: { intent: StepIntent; outcome: StepOutcome }[] } {
  const steps: { intent: StepIntent; outcome: StepOutcome }[] = [];
  return {
    steps,
    begin: () => undefined,
    end: (intent, outcome) => {
      steps.push(structuredClone({ intent, outcome }));
    },
  };
}

function replayer(
  recorded: { intent: StepIntent; outcome: StepOutcome }[],
): StepJournal & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    begin(intent) {
      asked.push(intent.kind);
      const step = recorded[intent.seq - 1];
      if (!step || step.intent.kind !== intent.kind) throw new Error(`diverged at step ${intent.seq}`);
      return structuredClone(step.outcome);
    },
    end: () => {
      throw new Error("a replayed run ran a step");
    },
  };
}

describe("StepRunner", () => {
  it("numbers steps, shows each to the journal before and after, and replays recorded outcomes", async () => {
    const seen: string[] = [];
    const journal: StepJournal = {
      begin: (i) => {
        seen.push(`begin ${i.seq} ${i.kind}`);
        return i.kind === "random" ? { ok: true, result: 0.25 } : undefined;
      },
      end: (i, o) => {
        seen.push(`end ${i.seq} ${i.kind} ${o.ok}`);
      },
    };
    const steps = new StepRunner(journal);
    expect(await steps.run("help", { kind: "stuck" }, async () => "ran")).toBe("ran");
    expect(steps.runSync("random", null, () => 0.9)).toBe(0.25);
    expect(steps.replaying).toBe(true);
    await expect(
      steps.run("tool", {}, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(steps.replaying).toBe(false);
    expect(seen).toEqual([
      "begin 1 help",
      "end 1 help true",
      "begin 2 random",
      "begin 3 tool",
      "end 3 tool false",
    ]);
    expect(steps.seq).toBe(3);
  });

  it("a run's effects are steps in order; replaying them gives the same result without a model call", async () => {
    const w = await threadWorld({ script: { turns: [greet("Ada"), { text: "Greeted Ada." }] } });
    try {
      const journal = recorder();
      const first = await w.runner({ journal }).run({ message: "greet Ada" });
      expect(first).toMatchObject({
        status: "completed",
        reason: "end_turn",
        turns: 2,
        final_text: "Greeted Ada.",
      });
      expect(journal.steps.map((s) => s.intent.kind)).toEqual([
        "system_prompt",
        "turn",
        "model",
        "tool",
        "turn",
        "model",
      ]);
      expect(journal.steps.map((s) => s.intent.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(journal.steps[3]!.intent.request).toMatchObject({
        meta: "execute",
        arguments: { item_id: "greet" },
      });
      expect(journal.steps[3]!.outcome).toMatchObject({ ok: true, result: { success: true } });
      const asked = w.fake.requests.length;

      const replay = replayer(journal.steps);
      const again = await w.runner({ journal: replay }).run({ message: "greet Ada" });
      expect(again).toEqual(first);
      expect(replay.asked).toEqual(journal.steps.map((s) => s.intent.kind));
      expect(w.fake.requests).toHaveLength(asked);
    } finally {
      await w.close();
    }
  });
});

describe("StepRunner with a journal that answers with promises", () => {
  it("awaits begin before the step runs and end before the next, and refuses a promise for a sync step", async () => {
    const log: string[] = [];
    let committed = 0;
    const journal: StepJournal = {
      begin: (intent) =>
        intent.kind === "clock"
          ? undefined
          : new Promise((resolve) =>
              setTimeout(() => {
                log.push(`begin ${intent.seq}`);
                resolve(undefined);
              }, 5),
            ),
      end: (intent) =>
        new Promise((resolve) =>
          setTimeout(() => {
            committed += 1;
            log.push(`end ${intent.seq}`);
            resolve();
          }, 5),
        ),
    };
    const runner = new StepRunner(journal);
    const a = await runner.run("tool", {}, async () => {
      log.push("run 1");
      return 1;
    });
    expect(a).toBe(1);
    expect(log).toEqual(["begin 1", "run 1", "end 1"]);
    // A sync step: begin answered at once, its end queued (not awaited).
    expect(runner.runSync("clock", null, () => 42)).toBe(42);
    expect(committed).toBe(1);
    const refusing = new StepRunner({ begin: () => Promise.resolve(undefined), end: () => undefined });
    expect(() => refusing.runSync("random", null, () => 0.5)).toThrow(/synchronously/);
  });
});
