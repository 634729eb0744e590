import { fmt, perSecond, type Variant } from "./measure";

/** Prints one size's table and returns the target lines for the summary. */
export function printReport(o: {
  events: number;
  bytes: number;
  runs: number;
  variants: readonly Variant[];
  time: Map<string, number>;
}): string[] {
  const { events, time } = o;
  const t = (key: string) => time.get(key)!;
  console.log(
    `\n${fmt(events)} events, ${(o.bytes / 1024 / 1024).toFixed(1)} MiB, median of ${o.runs} interleaved runs`,
  );
  console.log(
    `${"measurement".padEnd(46)}${"ms".padStart(9)}${"events/s".padStart(13)}${"time ÷ (b)".padStart(12)}`,
  );
  for (const v of o.variants) {
    const ms = t(v.key);
    console.log(
      `${v.name.padEnd(46)}${ms.toFixed(1).padStart(9)}${fmt(perSecond(events, ms)).padStart(13)}${(ms / t("b")).toFixed(2).padStart(12)}`,
    );
  }
  const lines: string[] = [];
  for (const k of ["0", "1", "2", "3"]) {
    const vsB = t(k) / t("b");
    const vsSdk = t("c") / t(k);
    lines.push(
      `${fmt(events)} (${k}): ${vsB.toFixed(2)}× (b)'s time [≤ 1.30 ${vsB <= 1.3 ? "met" : "MISSED"}], ` +
        `${vsSdk.toFixed(2)}× faster than the SDK [≥ 1.50 ${vsSdk >= 1.5 ? "met" : "MISSED"}]`,
    );
  }
  const overhead = (t("3") / t("1") - 1) * 100;
  lines.push(
    `${fmt(events)} file sink overhead vs return only: ${overhead.toFixed(1)}% [≤ 25% ${overhead <= 25 ? "met" : "MISSED"}]`,
  );
  return lines;
}
