// Thread benchmarks: `pnpm --filter @kiwi/threads bench` (node --expose-gc --import tsx bench/run.ts).
// Each bench file exports a function returning rows; this entry runs them and prints one table each.
import { type BenchRow, benchRegistryEvents } from "./registry-events";

function printTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n${title}\n`);
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const value = `${Math.round(r.value).toLocaleString("en-US")} ${r.unit}`.padStart(18);
    const ratio = r.ratio === undefined ? "" : `  ${r.ratio.toFixed(2)}×`.padStart(10);
    console.log(`  ${r.name.padEnd(nameWidth)}  ${value}${ratio}${r.note ? `  (${r.note})` : ""}`);
  }
}

const runs = Number(process.env.BENCH_RUNS ?? 3);
console.log(
  `@kiwi/threads benchmarks (node ${process.version}, median of ${runs} runs, ratios against the first row)`,
);
printTable(
  "Registry events: 20,000 rows each, WAL + synchronous=NORMAL, thread_events schema",
  await benchRegistryEvents({ runs }),
);
