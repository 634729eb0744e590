// Context compaction's cost to a thread that never needs it: the same 10-turn KiwiHarnessRunner loop on
// the fake stream with `compact_at` armed (a window it never approaches, so the check runs before every
// model call and never fires) and with it off, interleaved in the same process.
import type { FakeTurn } from "@kiwi/fake-llm";
import { directiveFile, greet, threadWorld } from "../src/test-support/thread-world";

const TURNS = 10;

function script(): { turns: FakeTurn[] } {
  return { turns: [...Array.from({ length: TURNS - 1 }, (_, i) => greet(`P${i}`)), { text: "done" }] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function loop(costFields: string, runs: number): Promise<number> {
  const cost = `<cost><max_turns>${TURNS + 2}</max_turns><on_exceeded>stop</on_exceeded>${costFields}</cost>`;
  const w = await threadWorld({
    script: script(),
    directive: directiveFile({ name: "thread_test", cost }),
    indexTtlMs: 1_000, // the kernel's default (the tests' 0 re-lists every space on every lookup)
  });
  const perTurn: number[] = [];
  try {
    for (let i = 0; i < runs + 3; i++) {
      w.fake.setScript(script());
      const t = performance.now();
      const r = await w.runner({ threadId: `bench_${i}` }).run({ message: "go" });
      if (r.turns !== TURNS) throw new Error(`expected ${TURNS} turns, got ${r.turns} (${r.reason})`);
      if (i >= 3) perTurn.push((performance.now() - t) / TURNS);
    }
  } finally {
    await w.close();
  }
  return median(perTurn);
}

/** Per-turn ms with compaction armed (never firing) and off, medians of 4 interleaved rounds. */
export async function benchCompaction(runs: number): Promise<{ armed: number; off: number }> {
  const armed: number[] = [];
  const off: number[] = [];
  const window = "<max_context_tokens>1000000</max_context_tokens>";
  // Interleaved, and in alternating order, so neither side always runs on a cold or a warm process.
  for (let round = 0; round < 4; round++) {
    const pair = [
      async () => armed.push(await loop(`${window}<compact_at>0.8</compact_at>`, runs)),
      async () => off.push(await loop(window, runs)),
    ];
    if (round % 2) pair.reverse();
    for (const run of pair) await run();
  }
  return { armed: median(armed), off: median(off) };
}
