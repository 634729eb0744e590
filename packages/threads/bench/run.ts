// Thread benchmarks: `pnpm --filter @kiwi/threads bench` (node --expose-gc --import tsx bench/run.ts).
// Each bench file exports a function returning rows; this entry runs them, prints one table each and records
// the rows for `pnpm bench`'s summary (scripts/bench-rows.ts).
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { type BenchRow, benchRegistryEvents } from "./registry-events";

function printTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n${title}\n`);
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const value = `${Math.round(r.value).toLocaleString("en-US")} ${r.unit}`.padStart(18);
    const ratio = r.ratio === undefined ? "" : `  ${r.ratio.toFixed(2)}×`.padStart(10);
    console.log(`  ${r.name.padEnd(nameWidth)}  ${value}${ratio}${r.note ? `  (${r.note})` : ""}`);
  }
  // The first row is the baseline the others' ratios are against; every figure here is a rate.
  const [base, ...measured] = rows;
  for (const r of measured)
    recordBenchRow({
      benchmark: r.name,
      value: r.value,
      unit: r.unit,
      baseline: base && `${base.name} ${Math.round(base.value).toLocaleString("en-US")} ${base.unit}`,
      ratio: r.ratio,
      ratioKind: r.ratio === undefined ? undefined : "faster",
      target: r.target,
      met: r.met,
    });
}

const runs = Number(process.env.BENCH_RUNS ?? 3);
console.log(
  `@kiwi/threads benchmarks (node ${process.version}, median of ${runs} runs, ratios against the first row)`,
);
printTable(
  "Registry events: 20,000 rows each, WAL + synchronous=NORMAL, thread_events schema",
  await benchRegistryEvents({ runs }),
);
writeBenchRows();
