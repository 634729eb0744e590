import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KiwiError } from "@kiwi/spec";
import { openSqlite } from "../sqlite/open-sqlite";
import type { SqliteDatabase } from "../sqlite/sqlite-database";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, "../../..");
const CHILD = join(here, "registry-child.ts");

/** A fresh temp folder and a registry path inside a not-yet-existing subfolder. */
export function tempRegistry(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "kiwi-thread-registry-"));
  return {
    dir,
    file: join(dir, "threads", "registry.db"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A second connection to a registry file, through the same adapter the registry uses (node:sqlite on Node
 * 22 and later, better-sqlite3 on Node 20), so these tests run on every supported Node.
 */
export function rawDatabase(file: string, options: { readonly?: boolean } = {}): SqliteDatabase {
  return openSqlite(file, { busyTimeoutMs: 5000, ...options });
}

/** A clock that moves one second per call, from a fixed start. */
export function steppingClock(start = Date.UTC(2025, 0, 1)): () => Date {
  let t = start;
  return () => {
    const d = new Date(t);
    t += 1000;
    return d;
  };
}

/** The KiwiError code `fn` throws (fails the test when it throws something else or nothing). */
export function codeOf(fn: () => unknown): {
  code: string;
  message: string;
  context: Record<string, unknown>;
} {
  try {
    fn();
  } catch (err) {
    if (!KiwiError.isInstance(err)) throw err;
    return { code: err.code, message: err.message, context: { ...err.context } };
  }
  throw new Error("expected a KiwiError, nothing was thrown");
}

/** A registry-child.ts process with its stdout split into lines. */
export interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first stdout line matching `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

export function spawnChild(mode: "append" | "hold", file: string, threadId: string, count: number): Child {
  return spawnScript(CHILD, [mode, file, threadId, String(count)]);
}

/** Runs a TypeScript fixture in a child process (`node --import tsx script …args`). */
export function spawnScript(script: string, args: readonly string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: packageRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let stderr = "";
  let buffer = "";
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.test(line)) w.resolve(line);
        else waiters.push(w);
      }
      nl = buffer.indexOf("\n");
    }
  });
  proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    proc.on("exit", (code, signal) => resolve(code ?? signal));
  });
  return {
    proc,
    lines,
    exited,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then((code) =>
          reject(
            new Error(
              `child ${args.join(" ")} exited (${code}) before the expected line; stderr:\n${stderr}`,
            ),
          ),
        );
      });
    },
  };
}
