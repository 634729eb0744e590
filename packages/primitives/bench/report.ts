import { recordBenchRow } from "../../../scripts/bench-rows";
import { fmt, perSecond, type Timing, type Variant } from "./measure";

const VS_B_TARGET = 1.3;
const VS_SDK_TARGET = 1.5;
const OVERHEAD_TARGET_PERCENT = 25;

/**
 * Prints one size's table and returns the target lines for the summary (medians; min in brackets); records
 * the medians as rows for `pnpm bench`'s summary (the minimums stay in the printed output).
 */
export function printReport(o: {
  events: number;
  bytes: number;
  runs: number;
  variants: readonly Variant[];
  time: Map<string, Timing>;
}): string[] {
  const { events, time } = o;
  const med = (key: string) => time.get(key)!.median;
  const min = (key: string) => time.get(key)!.min;
  console.log(
    `\n${fmt(events)} events, ${(o.bytes / 1024 / 1024).toFixed(1)} MiB; ${o.runs} runs per variant`,
  );
  console.log(
    `${"measurement".padEnd(46)}${"median ms".padStart(10)}${"min ms".padStart(9)}${"events/s".padStart(12)}${"÷ (b)".padStart(8)}`,
  );
  const targeted = ["0", "1", "2", "3", "4"];
  const nameOf = (key: string) => o.variants.find((v) => v.key === key)!.name;
  const rateOf = (key: string) => `${fmt(perSecond(events, med(key)))} events/s`;
  for (const v of o.variants) {
    const ms = med(v.key);
    const line = `${v.name.padEnd(46)}${ms.toFixed(1).padStart(10)}${min(v.key).toFixed(1).padStart(9)}`;
    console.log(`${line}${fmt(perSecond(events, ms)).padStart(12)}${(ms / med("b")).toFixed(2).padStart(8)}`);
    if (v.key === "b") continue;
    recordBenchRow({
      benchmark: `SSE ${fmt(events)} events: ${v.name}`,
      value: perSecond(events, ms),
      unit: "events/s",
      baseline: `${nameOf("b")} ${rateOf("b")}`,
      ratio: ms / med("b"),
      ratioKind: "time",
      ...(targeted.includes(v.key)
        ? { target: `≤ ${VS_B_TARGET.toFixed(2)}×`, met: ms / med("b") <= VS_B_TARGET }
        : {}),
    });
  }
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const lines: string[] = [];
  for (const k of targeted) {
    const vsB = med(k) / med("b");
    const vsSdk = med("c") / med(k);
    lines.push(
      `${fmt(events)} (${k}): ${vsB.toFixed(2)}× (b)'s time (min ${(min(k) / min("b")).toFixed(2)}) [≤ ${VS_B_TARGET.toFixed(2)} ${verdict(vsB <= VS_B_TARGET)}]; ` +
        `${vsSdk.toFixed(2)}× faster than the SDK (min ${(min("c") / min(k)).toFixed(2)}) [≥ ${VS_SDK_TARGET.toFixed(2)} ${verdict(vsSdk >= VS_SDK_TARGET)}]`,
    );
    recordBenchRow({
      benchmark: `SSE ${fmt(events)} events: ${nameOf(k)}`,
      value: perSecond(events, med(k)),
      unit: "events/s",
      baseline: `${nameOf("c")} ${rateOf("c")}`,
      ratio: vsSdk,
      ratioKind: "faster",
      target: `≥ ${VS_SDK_TARGET.toFixed(2)}×`,
      met: vsSdk >= VS_SDK_TARGET,
    });
  }
  const overhead = (med("3") / med("1") - 1) * 100;
  const overheadMin = (min("3") / min("1") - 1) * 100;
  lines.push(
    `${fmt(events)} file sink overhead vs return only: ${overhead.toFixed(1)}% (min ${overheadMin.toFixed(1)}%) [≤ ${OVERHEAD_TARGET_PERCENT}% ${verdict(overhead <= OVERHEAD_TARGET_PERCENT)}]`,
  );
  recordBenchRow({
    benchmark: `SSE ${fmt(events)} events: JSONL file sink overhead, (3) over (1)`,
    value: overhead,
    unit: "%",
    baseline: `${nameOf("1")} ${med("1").toFixed(1)} ms`,
    target: `≤ ${OVERHEAD_TARGET_PERCENT}%`,
    met: overhead <= OVERHEAD_TARGET_PERCENT,
  });
  return lines;
}
