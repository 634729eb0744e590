// Registry event throughput: raw better-sqlite3 inserts (one transaction per row, then 100 rows per
// transaction) against ThreadRegistry.appendEvent with 50 concurrent async producers, in the same run,
// on temp files with the registry's pragmas (WAL, synchronous = NORMAL) and the thread_events schema.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "../src/registry/schema";
import { ThreadRegistry } from "../src/registry/thread-registry";

/** One benchmark figure; `ratio` is against the first (baseline) row of its group. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  note?: string;
  /** The target this figure has ("≥ 20,000 events/s") and whether this run meets it. */
  target?: string;
  met?: boolean;
}

export interface RegistryEventsOptions {
  /** Rows written per measurement (default 20,000). */
  readonly rows?: number;
  /** Measurements per figure; the median is reported (default 3). */
  readonly runs?: number;
  /** Concurrent producers for the registry figure (default 50). */
  readonly producers?: number;
}

/** The registry must sustain this many events/s with 50 concurrent producers. */
export const TARGET_EVENTS_PER_SECOND = 20_000;

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "kiwi-bench-registry-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withTempDirAsync<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "kiwi-bench-registry-"));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A raw database with the registry's schema and pragmas, one thread registered. */
function rawDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  for (const m of MIGRATIONS) db.exec(m.sql);
  db.prepare(
    "INSERT INTO threads (thread_id, directive, status, created_at, updated_at) VALUES ('raw', 'bench', 'running', ?, ?)",
  ).run(new Date().toISOString(), new Date().toISOString());
  return db;
}

function payload(i: number): Record<string, unknown> {
  return { i, text: "a tool call finished with a short result", tokens: 42 };
}

/** Rows/s inserting `rows` events through better-sqlite3, `perTx` rows per transaction. */
function rawInserts(rows: number, perTx: number): number {
  return withTempDir((dir) => {
    const db = rawDatabase(join(dir, "raw.db"));
    try {
      const insert = db.prepare(
        "INSERT INTO thread_events (thread_id, seq, ts, type, data) VALUES ('raw', ?, ?, 'tick', ?)",
      );
      const batch = db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) insert.run(i, new Date().toISOString(), JSON.stringify(payload(i)));
      });
      const t = performance.now();
      for (let i = 1; i <= rows; i += perTx) {
        const to = Math.min(i + perTx, rows + 1);
        if (perTx === 1) insert.run(i, new Date().toISOString(), JSON.stringify(payload(i)));
        else batch(i, to);
      }
      return rows / ((performance.now() - t) / 1000);
    } finally {
      db.close();
    }
  });
}

/** Events/s through ThreadRegistry.appendEvent from concurrent producers, final flush included. */
function registryProducers(rows: number, producers: number): Promise<number> {
  return withTempDirAsync(async (dir) => {
    const errors: unknown[] = [];
    const reg = ThreadRegistry.open(join(dir, "registry.db"), { onError: (e) => errors.push(e) });
    try {
      for (let p = 0; p < producers; p++) reg.register({ threadId: `p${p}`, directive: "bench" });
      const perProducer = Math.ceil(rows / producers);
      const t = performance.now();
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          for (let i = 1; i <= perProducer; i++) {
            reg.appendEvent(`p${p}`, "tick", payload(i));
            await new Promise((resolve) => setImmediate(resolve));
          }
        }),
      );
      reg.flush();
      const rate = (perProducer * producers) / ((performance.now() - t) / 1000);
      if (errors.length > 0)
        throw new Error(`registry reported ${errors.length} write errors: ${String(errors[0])}`);
      return rate;
    } finally {
      reg.close();
    }
  });
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export async function benchRegistryEvents(options: RegistryEventsOptions = {}): Promise<BenchRow[]> {
  const rows = options.rows ?? 20_000;
  const runs = options.runs ?? 3;
  const producers = options.producers ?? 50;
  // One warm-up pass of each, then interleaved measured runs so drift hits all three alike.
  rawInserts(2000, 1);
  rawInserts(2000, 100);
  await registryProducers(2000, producers);
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < runs; r++) {
    collect();
    a.push(rawInserts(rows, 1));
    collect();
    b.push(rawInserts(rows, 100));
    collect();
    c.push(await registryProducers(rows, producers));
  }
  const base = median(a);
  const regRate = median(c);
  return [
    { name: "raw better-sqlite3, 1 row/transaction", value: base, unit: "rows/s", ratio: 1 },
    {
      name: "raw better-sqlite3, 100 rows/transaction",
      value: median(b),
      unit: "rows/s",
      ratio: median(b) / base,
    },
    {
      name: `ThreadRegistry.appendEvent, ${producers} async producers`,
      value: regRate,
      unit: "events/s",
      ratio: regRate / base,
      note: `target ≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString("en-US")} events/s: ${regRate >= TARGET_EVENTS_PER_SECOND ? "met" : "NOT met"}`,
      target: `≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString("en-US")} events/s`,
      met: regRate >= TARGET_EVENTS_PER_SECOND,
    },
  ];
}
