#!/usr/bin/env node
// `pnpm bench`: builds the workspace, runs every package's `bench` script one at a time (the machine is
// shared and noisy; benches never run side by side), and prints ONE table of figures with their ratios
// against the baselines each bench measures in the same run.
//
//   node scripts/bench.mjs [--only kernel,mcp] [--no-build] [--verbose] [--timeout-min 45]
//
// Each bench records its figures as rows (scripts/bench-rows.ts) and writes them to the file named by
// KIWI_BENCH_JSON_FILE, which this script sets to <package dir>/bench-results.json:
//   {"rows": [{"benchmark": "…", "value": 1.5, "unit": "ms", "baseline": "…", "ratio": 1.2,
//              "ratio_kind": "time" | "faster" | "value", "target": "≤ 1.25×", "met": true}]}
// The table is built from those rows only. A bench that exits non-zero or writes no (valid) rows gets a
// FAILED row in the table and the tail of its output below it, and the script exits 1.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pnpmSpec = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager;
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const build = !args.includes("--no-build");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : [];
const timeoutAt = args.indexOf("--timeout-min");
const timeoutMs = (timeoutAt >= 0 ? Number(args[timeoutAt + 1]) : 45) * 60_000;

// ─── reading a bench's rows ───────────────────────────────────────────────────────────────────────
const RATIO_KINDS = new Set(["time", "faster", "value"]);

/** Checks one row of bench-results.json; returns what is wrong with it, or undefined. */
function rowProblem(r, i) {
  const where = `row ${i + 1}${typeof r?.benchmark === "string" ? ` ("${r.benchmark}")` : ""}`;
  if (typeof r !== "object" || r === null) return `${where} is not an object`;
  if (typeof r.benchmark !== "string" || !r.benchmark)
    return `${where}: benchmark must be a non-empty string`;
  if (typeof r.value !== "number" && r.value !== null) return `${where}: value must be a number or null`;
  if (typeof r.unit !== "string") return `${where}: unit must be a string`;
  if (r.baseline !== undefined && typeof r.baseline !== "string")
    return `${where}: baseline must be a string`;
  if (r.ratio !== undefined && typeof r.ratio !== "number") return `${where}: ratio must be a number`;
  if (r.ratio !== undefined && !RATIO_KINDS.has(r.ratio_kind))
    return `${where}: ratio_kind must be one of ${[...RATIO_KINDS].join(", ")}`;
  if (r.target !== undefined && typeof r.target !== "string") return `${where}: target must be a string`;
  if (r.target !== undefined && typeof r.met !== "boolean")
    return `${where}: a target needs met (true/false)`;
  return undefined;
}

/** Reads and removes <package>/bench-results.json: {rows} or {problem}. */
function readRows(file) {
  if (!existsSync(file))
    return { rows: [], problem: "wrote no rows (no bench-results.json: see scripts/bench-rows.ts)" };
  try {
    const rows = JSON.parse(readFileSync(file, "utf8"))?.rows;
    if (!Array.isArray(rows)) return { rows: [], problem: 'bench-results.json has no "rows" array' };
    const problem = rows.map(rowProblem).find(Boolean);
    if (problem) return { rows: [], problem: `bench-results.json: ${problem}` };
    if (rows.length === 0) return { rows, problem: "wrote no rows (bench-results.json is empty)" };
    return { rows };
  } catch (error) {
    return { rows: [], problem: `could not read bench-results.json: ${error.message}` };
  } finally {
    rmSync(file, { force: true });
  }
}

// ─── running ───────────────────────────────────────────────────────────────────────────────────────
function benchPackages() {
  const found = [];
  for (const group of ["packages", "plugins"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const file = join(base, name, "package.json");
      if (name.startsWith("_") || !existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      if (pkg.scripts?.bench) found.push({ name: pkg.name, dir: join(base, name), short: name });
    }
  }
  return only.length ? found.filter((p) => only.includes(p.short) || only.includes(p.name)) : found;
}

function run(command, argv, { cwd, env, echo }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      if (echo) process.stdout.write(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      if (echo) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      stderr += `\n(timed out after ${timeoutMs} ms: killed)`;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.on("error", (error) => {
      stderr += String(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };

if (build) {
  console.log("» build (turbo run build)");
  const res = await run(
    "npx",
    ["--yes", pnpmSpec, "exec", "turbo", "run", "build", "--output-logs=errors-only"],
    {
      cwd: root,
      env,
      echo: verbose,
    },
  );
  if (res.code !== 0) {
    console.error(`${res.stdout}\n${res.stderr}\nbuild failed (exit ${res.code}): no benchmarks run`);
    process.exit(1);
  }
}

const results = [];
for (const pkg of benchPackages()) {
  const jsonFile = join(pkg.dir, "bench-results.json");
  rmSync(jsonFile, { force: true });
  process.stdout.write(`» ${pkg.name} bench … `);
  if (verbose) process.stdout.write("\n");
  const res = await run("npx", ["--yes", pnpmSpec, "--silent", "run", "bench"], {
    cwd: pkg.dir,
    env: { ...env, KIWI_BENCH_JSON_FILE: jsonFile },
    echo: verbose,
  });
  const { rows, problem } = readRows(jsonFile);
  console.log(
    `${res.code === 0 ? "done" : `FAILED (exit ${res.code})`} in ${(res.ms / 1000).toFixed(0)} s, ${rows.length} rows`,
  );
  results.push({ pkg, res, rows, problem });
}

// ─── the table ─────────────────────────────────────────────────────────────────────────────────────
function fmtNumber(n) {
  if (typeof n !== "number" || Number.isNaN(n)) return "—";
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function fmtRatio(r) {
  if (r.ratio === undefined || Number.isNaN(r.ratio)) return "";
  const digits = r.ratio >= 100 ? 0 : r.ratio >= 10 ? 1 : r.ratio < 0.1 ? 3 : 2;
  const text = `${r.ratio.toFixed(digits)}×`;
  return r.ratio_kind === "faster" ? `${text} faster` : r.ratio_kind === "time" ? `${text} time` : text;
}
function fmtTarget(r) {
  if (!r.target) return "";
  return `${r.target} ${r.met === true ? "met" : r.met === false ? "MISSED" : ""}`.trim();
}

const cpu = cpus();
const header = ["package", "benchmark", "value", "unit", "baseline (same run)", "ratio", "target"];
/** Why a package's bench failed, or undefined when it ran and wrote valid rows. */
const failureOf = ({ res, problem }) =>
  res.code === 0 && !problem
    ? undefined
    : [res.code !== 0 ? `bench exited ${res.code}` : "", problem ?? ""].filter(Boolean).join("; ");
const body = results.flatMap((result) => {
  const name = result.pkg.name.replace(/^@kiwi\//, "");
  const cells = result.rows.map((r) => [
    name,
    r.benchmark,
    fmtNumber(r.value),
    r.unit,
    r.baseline ?? "",
    fmtRatio(r),
    fmtTarget(r),
  ]);
  const failure = failureOf(result);
  if (failure) cells.push([name, `✗ FAILED: ${failure}; details below the table`, "", "", "", "", ""]);
  return cells;
});
const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
const line = (cells) =>
  `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;

console.log(
  `\nKiwi benchmarks — node ${process.version}, ${cpu[0]?.model?.trim() ?? "unknown CPU"}, ${cpu.length} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ")}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC\n`,
);
console.log(line(header));
console.log(`| ${widths.map((w, i) => (i === 2 ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`);
for (const cells of body) console.log(line(cells));
console.log(
  "\nratio: “time” = subject ÷ baseline time per operation (lower is better); “faster” = how many times the subject outruns the baseline (higher is better); plain × = the figure ÷ its baseline.",
);

let failed = 0;
for (const result of results) {
  const failure = failureOf(result);
  if (!failure) continue;
  failed += 1;
  const { pkg, res } = result;
  console.log(`\n✗ ${pkg.name} (${relative(root, pkg.dir)}): ${failure}`);
  const tail = (text, n) => text.trimEnd().split("\n").slice(-n).join("\n") || "(empty)";
  if (res.stderr.trim()) console.log(`--- stderr (tail) ---\n${tail(res.stderr, 25)}`);
  console.log(`--- stdout (tail) ---\n${tail(res.stdout, 25)}`);
}
if (failed) console.log(`\n${failed} of ${results.length} benches failed or wrote no valid rows`);
process.exit(failed ? 1 : 0);
