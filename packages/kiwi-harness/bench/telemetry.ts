// Span overhead per turn (issue 16): the bare KiwiHarnessRunner loop with no spans at all
// (`telemetry: false`) is the baseline; the same loop with no tracer provider registered (the API's
// no-ops: what every host that does not trace pays) and with the SDK and its in-memory exporter.

import type { FakeTurn } from "@kiwi/fake-llm";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { greet, threadWorld } from "../src/test-support/thread-world";

const TURNS = 10;

export interface TelemetryRow {
  readonly name: string;
  readonly value: number;
  readonly baseline?: number;
}

function script(): { turns: FakeTurn[] } {
  return { turns: [...Array.from({ length: TURNS - 1 }, (_, i) => greet(`T${i}`)), { text: "done" }] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Mode = "off" | "no-provider" | "in-memory";
const MODES: Mode[] = ["off", "no-provider", "in-memory"];

/**
 * Median ms per turn of each mode over `runs` 10-turn runs on one world, the modes interleaved run by run
 * (rotating which goes first) so drift on a shared machine hits them alike; 3 warm-up rounds first.
 */
export async function benchTelemetry(runs: number): Promise<{
  off: number;
  noProvider: number;
  inMemory: number;
  spansPerRun: number;
}> {
  const w = await threadWorld({ script: script(), indexTtlMs: 60_000 });
  const times: Record<Mode, number[]> = { off: [], "no-provider": [], "in-memory": [] };
  let spansPerRun = 0;
  try {
    for (let i = 0; i < runs + 3; i++) {
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(i + k) % MODES.length]!;
        // A provider's shutdown stops its exporter: a new pair for each run.
        const exporter = new InMemorySpanExporter();
        const provider =
          mode === "in-memory"
            ? new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
            : undefined;
        provider?.register();
        w.fake.setScript(script());
        const t = performance.now();
        const r = await w
          .runner({ threadId: `otel_${mode}_${i}`, ...(mode === "off" ? { telemetry: false as const } : {}) })
          .run({ message: "go" });
        const ms = performance.now() - t;
        if (provider) {
          spansPerRun = exporter.getFinishedSpans().length;
          await provider.shutdown();
          trace.disable();
          context.disable();
          propagation.disable();
        }
        if (r.turns !== TURNS) throw new Error(`expected ${TURNS} turns, got ${r.turns} (${r.reason})`);
        if (i >= 3) times[mode].push(ms / TURNS);
        w.events.length = 0;
        w.fake.requests.length = 0;
      }
    }
  } finally {
    await w.close();
  }
  return {
    off: median(times.off),
    noProvider: median(times["no-provider"]),
    inMemory: median(times["in-memory"]),
    spansPerRun,
  };
}
