import { fmt, perSecond, type Timing, type Variant } from "./measure";

/** Prints one size's table and returns the target lines for the summary (medians; min in brackets). */
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
  for (const v of o.variants) {
    const ms = med(v.key);
    const line = `${v.name.padEnd(46)}${ms.toFixed(1).padStart(10)}${min(v.key).toFixed(1).padStart(9)}`;
    console.log(`${line}${fmt(perSecond(events, ms)).padStart(12)}${(ms / med("b")).toFixed(2).padStart(8)}`);
  }
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const lines: string[] = [];
  for (const k of ["0", "1", "2", "3", "4"]) {
    const vsB = med(k) / med("b");
    const vsSdk = med("c") / med(k);
    lines.push(
      `${fmt(events)} (${k}): ${vsB.toFixed(2)}× (b)'s time (min ${(min(k) / min("b")).toFixed(2)}) [≤ 1.30 ${verdict(vsB <= 1.3)}]; ` +
        `${vsSdk.toFixed(2)}× faster than the SDK (min ${(min("c") / min(k)).toFixed(2)}) [≥ 1.50 ${verdict(vsSdk >= 1.5)}]`,
    );
  }
  const overhead = (med("3") / med("1") - 1) * 100;
  const overheadMin = (min("3") / min("1") - 1) * 100;
  lines.push(
    `${fmt(events)} file sink overhead vs return only: ${overhead.toFixed(1)}% (min ${overheadMin.toFixed(1)}%) [≤ 25% ${verdict(overhead <= 25)}]`,
  );
  return lines;
}
