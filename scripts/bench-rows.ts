// The rows a package's benchmark hands to `pnpm bench` (scripts/bench.mjs): each figure it prints, with the
// baseline measured in the same run, the ratio between them and the target where the bench has one. A
// bench records a row next to each figure it prints and calls `writeBenchRows()` once at the end.
//
// Benches import this file by relative path (`../../../scripts/bench-rows`): it is dev tooling, not a
// package, so nothing at runtime depends on it and no build step stands between a bench and it.
import { writeFileSync } from "node:fs";

/**
 * How to read `ratio`: "time" = the subject's time per operation ÷ the baseline's (lower is better);
 * "faster" = how many times the subject outruns the baseline (higher is better); "value" = the figure ÷
 * the baseline's figure, neither better nor worse.
 */
export type BenchRatioKind = "time" | "faster" | "value";

export interface BenchRow {
  /** What was measured, as the summary table names it. */
  readonly benchmark: string;
  /** The figure; NaN (written as null) when the bench skipped the measurement. */
  readonly value: number;
  readonly unit: string;
  /** The baseline measured in the same run, with its own figure: "bare jose jwtVerify 151.54 µs". */
  readonly baseline?: string;
  readonly ratio?: number;
  /** Required with `ratio`. */
  readonly ratioKind?: BenchRatioKind;
  /** The package's target for this figure ("≤ 1.25×", "≥ 10,000 items/s"); requires `met`. */
  readonly target?: string;
  /** Whether this run meets `target`, as the bench judged it. */
  readonly met?: boolean;
}

/** One row as bench-results.json holds it (snake_case on the wire). */
export interface BenchResultRow {
  benchmark: string;
  value: number | null;
  unit: string;
  baseline?: string;
  ratio?: number;
  ratio_kind?: BenchRatioKind;
  target?: string;
  met?: boolean;
}

const recorded: BenchResultRow[] = [];

/** Records one row for the summary table; throws on a row the table could not show correctly. */
export function recordBenchRow(row: BenchRow): void {
  if (row.ratio !== undefined && row.ratioKind === undefined)
    throw new Error(`bench row "${row.benchmark}": a ratio needs its ratioKind`);
  if (row.target !== undefined && row.met === undefined)
    throw new Error(`bench row "${row.benchmark}": a target needs met (true or false)`);
  recorded.push({
    benchmark: row.benchmark,
    value: Number.isFinite(row.value) ? row.value : null,
    unit: row.unit,
    baseline: row.baseline,
    ratio: row.ratio !== undefined && Number.isFinite(row.ratio) ? row.ratio : undefined,
    ratio_kind: row.ratioKind,
    target: row.target,
    met: row.met,
  });
}

/**
 * Writes the recorded rows as `{"rows": […]}` to `file`, by default KIWI_BENCH_JSON_FILE (which
 * scripts/bench.mjs sets for each package); without either it writes nothing, so a bench run on its own
 * only prints.
 */
export function writeBenchRows(file = process.env.KIWI_BENCH_JSON_FILE): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify({ rows: recorded }, null, 2)}\n`);
}
