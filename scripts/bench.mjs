#!/usr/bin/env node
// `pnpm bench`: builds the workspace, runs every package's `bench` script one at a time (the machine is
// shared and noisy; benches never run side by side), and prints ONE table of figures with their ratios
// against the baselines each bench measures in the same run.
//
//   node scripts/bench.mjs [--only kernel,mcp] [--no-build] [--verbose] [--timeout-min 45]
//                          [--save <dir>] [--replay <dir>]
//
// --save <dir> keeps each bench's printed output as <dir>/<folder name>.out (e.g. kernel.out); --replay
// <dir> renders the table from such files instead of running anything, to check the parsers against a
// bench's new output format.
//
// Machine-readable rows (preferred): the script sets KIWI_BENCH_JSON=1 and KIWI_BENCH_JSON_FILE=<package
// dir>/bench-results.json. A bench that writes that file, as
//   {"rows": [{"benchmark": "…", "value": 1.5, "unit": "ms", "baseline": "…", "ratio": 1.2,
//              "ratio_kind": "time" | "faster" | "value", "target": "≤ 1.25×", "met": true}]}
// is read from it (and the file removed). Otherwise the bench's printed output is parsed by the parser
// registered below for its package; a package without one has its output shown as is.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pnpmSpec = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager;
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const saveAt = args.indexOf("--save");
const save = saveAt >= 0 ? args[saveAt + 1] : undefined;
const replayAt = args.indexOf("--replay");
const replay = replayAt >= 0 ? args[replayAt + 1] : undefined;
const build = !args.includes("--no-build") && !replay;
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : [];
const timeoutAt = args.indexOf("--timeout-min");
const timeoutMs = (timeoutAt >= 0 ? Number(args[timeoutAt + 1]) : 45) * 60_000;

// ─── parsing helpers ───────────────────────────────────────────────────────────────────────────────
const num = (text) => Number(String(text).replaceAll(",", ""));
const verdictOf = (text) =>
  /\bNOT met\b|\bMISSED\b/i.test(text ?? "") ? false : /\bmet\b/.test(text ?? "") ? true : undefined;
/** "≤ 1.25×" / "≥ 1.5×" / "< 20 µs": checks a ratio (or value) against it when the bench gave no verdict. */
function meets(target, ratio, value) {
  const m = /([≤≥<>])\s*([\d.,]+)\s*(×|%)?/.exec(target ?? "");
  if (!m) return undefined;
  const subject = m[3] === "×" ? ratio : value;
  if (subject === undefined || Number.isNaN(subject)) return undefined;
  const limit = num(m[2]);
  return { "≤": subject <= limit, "≥": subject >= limit, "<": subject < limit, ">": subject > limit }[m[1]];
}
const row = (fields) => ({ ratio_kind: "time", ...fields });

// One parser per package: printed output → rows. Ratio kinds: "time" = subject ÷ baseline in time per
// operation (lower is better), "faster" = how many times the subject outruns the baseline (higher is
// better), "value" = a plain quotient of the two figures.
const parsers = {
  "@kiwi/capabilities"(out) {
    const rows = [];
    const base = new Map();
    const target = /target ≤ ([\d.]+)×/.exec(out)?.[1];
    for (const line of out.split("\n")) {
      const m = /^\|\s*(.+?)\s*\|\s*([\d.,]+)\s*\|\s*([\d,]+)\s*\|\s*([\d.]+)×\s*(\w*)\s*\|$/.exec(line);
      if (!m) continue;
      const [, name, micros, , ratio, against] = m;
      if (name.includes("(baseline)")) {
        base.set(name, num(micros));
        continue;
      }
      const [bName, bValue] = [...base].find(([b]) => b.toLowerCase().includes(against.toLowerCase())) ?? [];
      const firstVerify = /verifyToken \(no cache\)|TokenVerifier\.verify, first/.test(name);
      rows.push(
        row({
          benchmark: name,
          value: num(micros),
          unit: "µs/op",
          baseline: bName ? `${bName.replace(" (baseline)", "")} ${bValue} µs` : undefined,
          ratio: num(ratio),
          target: firstVerify && target ? `≤ ${target}×` : undefined,
        }),
      );
    }
    for (const line of out.split("\n")) {
      const m = /^\s{2}(\S.+?)\s{2,}([\d.,]+) (µs|ms)\s+[\d,]+ ops\/s(?:\s+\((.+)\))?$/.exec(line);
      if (!m) continue;
      const t = m[4] ? /target ([^:]+)/.exec(m[4])?.[1] : undefined;
      rows.push(
        row({ benchmark: `guard: ${m[1]}`, value: num(m[2]), unit: m[3], target: t, met: verdictOf(m[4]) }),
      );
    }
    return rows;
  },

  "@kiwi/kernel"(out) {
    const rows = [];
    for (const m of out.matchAll(
      /^\s*(\d+) items\s+(\d+) ms \((\d+) items\/s\)\s+raw read (\d+) ms\s+ratio ([\d.]+)×/gm,
    )) {
      const [, n, ms, perSecond, raw] = m;
      rows.push(
        row({
          benchmark: `library load + validate + verify, ${num(n).toLocaleString("en-US")} items`,
          value: num(perSecond),
          unit: "items/s",
          baseline: `raw read of the same files ${num(raw).toLocaleString("en-US")} ms`,
          ratio: num(ms) / num(raw),
        }),
      );
    }
    const s = /search over ([\d,]+) items: p50 (\d+) µs, p99 (\d+) µs/.exec(out);
    if (s) {
      rows.push(row({ benchmark: `search over ${s[1]} items, p50`, value: num(s[2]), unit: "µs" }));
      rows.push(row({ benchmark: `search over ${s[1]} items, p99`, value: num(s[3]), unit: "µs" }));
    }
    const e = /execute, 3-deep chain.*?: ([\d.]+) µs\/call; direct primitive call ([\d.]+) µs\/call/.exec(
      out,
    );
    if (e)
      rows.push(
        row({
          benchmark: "execute, 3-deep chain over a no-op primitive",
          value: num(e[1]),
          unit: "µs/call",
          baseline: `direct primitive call ${e[2]} µs`,
          ratio: num(e[1]) / num(e[2]),
        }),
      );
    return rows;
  },

  "@kiwi/kiwi-harness"(out) {
    const rows = [];
    const kiwi = /KiwiHarnessRunner .*?\s([\d.]+) ms\/turn/.exec(out);
    const sdk = /hand-written loop over @anthropic-ai\/sdk .*?\s([\d.]+) ms\/turn/.exec(out);
    const verdict = /ratio kiwi\/sdk [\d.]+× \(target ([^:]+): ([^)]+)\)/.exec(out);
    if (kiwi && sdk)
      rows.push(
        row({
          benchmark: "KiwiHarnessRunner, 10-turn loop on the fake stream",
          value: num(kiwi[1]),
          unit: "ms/turn",
          baseline: `hand-written @anthropic-ai/sdk loop ${sdk[1]} ms/turn`,
          ratio: num(kiwi[1]) / num(sdk[1]),
          target: verdict?.[1],
          met: verdictOf(verdict?.[2]),
        }),
      );
    const heap =
      /heap after GC at ([\d,]+) \/ ([\d,]+) \/ ([\d,]+) turns: ([\d.]+) MiB \/ ([\d.]+) MiB \/ ([\d.]+) MiB/.exec(
        out,
      );
    if (heap)
      rows.push(
        row({
          benchmark: `heap after GC at ${heap[3]} turns`,
          value: num(heap[6]),
          unit: "MiB",
          baseline: `at ${heap[1]} turns ${heap[4]} MiB`,
          ratio: num(heap[6]) / num(heap[4]),
          ratio_kind: "value",
        }),
      );
    // Thread runtime rows: "  <name>  <value> <unit>", an optional indented note on the next line.
    // Rows named "baseline: …" go into the baseline column of the rows they measure (same unit and the
    // same ", p50 (label)" tail, or the only baseline of that unit); rows that only restate such a
    // quotient ("… ratio", "… as a share of …") are left out because the ratio column shows it.
    const section = out.split(/^Thread runtime.*$/m)[1] ?? "";
    const lines = section.split("\n");
    const parsed = [];
    lines.forEach((line, i) => {
      const m = /^ {2}(\S.*?)\s{2,}(—|[\d.,]+) ?(.*)$/.exec(line);
      if (!m) return;
      const note = /^ {6}\S/.test(lines[i + 1] ?? "") ? lines[i + 1].trim() : "";
      parsed.push({ name: m[1], value: m[2] === "—" ? "—" : num(m[2]), unit: m[3].trim(), note });
    });
    const tailOf = (name) => /, [^,]*$/.exec(name)?.[0] ?? "";
    const baselines = parsed.filter((r) => r.name.startsWith("baseline: "));
    const used = new Set();
    for (const r of parsed) {
      if (r.name.startsWith("baseline: ") || /\bratio\b|as a share of/.test(r.name)) continue;
      const sameUnit = baselines.filter((b) => b.unit === r.unit);
      const b =
        sameUnit.find((x) => tailOf(x.name) === tailOf(r.name)) ??
        (sameUnit.length === 1 ? sameUnit[0] : undefined);
      if (b) used.add(b);
      const rate = /\/s$/.test(r.unit);
      const ratio =
        b && typeof r.value === "number" && typeof b.value === "number" ? r.value / b.value : undefined;
      rows.push(
        row({
          benchmark: r.name,
          value: r.value,
          unit: r.unit,
          baseline: b ? `${b.name.slice("baseline: ".length)} ${fmtNumber(b.value)} ${b.unit}` : undefined,
          ratio,
          ratio_kind: rate ? "value" : "time",
          target: /target ([^:)]+)/.exec(r.note)?.[1],
          met: verdictOf(r.note),
        }),
      );
    }
    for (const b of baselines)
      if (!used.has(b)) rows.push(row({ benchmark: b.name, value: b.value, unit: b.unit }));
    return rows;
  },

  "@kiwi/mcp"(out) {
    const rows = [];
    const stat = (label) => {
      const m = new RegExp(`^\\s*${label}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, "m").exec(out);
      return m && { p50: num(m[1]), p99: num(m[2]), perSecond: num(m[3]) };
    };
    const kiwi = stat("kiwi-mcp execute\\(noop\\)");
    const bare = stat("bare McpServer noop");
    const layer = stat("of which @kiwi/mcp layer");
    const verdict = /target ([^:]+): ([^)]+)\)/.exec(out);
    if (kiwi && bare) {
      rows.push(
        row({
          benchmark: "MCP execute round trip through kiwi-mcp, p50",
          value: kiwi.p50,
          unit: "µs",
          baseline: `bare official-SDK server ${bare.p50} µs`,
          ratio: kiwi.p50 / bare.p50,
          target: verdict?.[1],
          met: verdictOf(verdict?.[2]),
        }),
      );
      rows.push(
        row({
          benchmark: "MCP execute round trip through kiwi-mcp, p99",
          value: kiwi.p99,
          unit: "µs",
          baseline: `bare official-SDK server ${bare.p99.toLocaleString("en-US")} µs`,
          ratio: kiwi.p99 / bare.p99,
        }),
      );
    }
    if (layer && bare)
      rows.push(
        row({
          benchmark: "@kiwi/mcp layer alone (stand-in kernel), p50",
          value: layer.p50,
          unit: "µs",
          baseline: `bare official-SDK server ${bare.p50} µs`,
          ratio: layer.p50 / bare.p50,
        }),
      );
    return rows;
  },

  "@kiwi/primitives"(out) {
    const rows = [];
    let size = "";
    const table = new Map();
    for (const line of out.split("\n")) {
      const head = /^([\d,]+) events, [\d.]+ MiB;/.exec(line);
      if (head) size = head[1];
      const m = /^\(([a-z0-9']+)\) (.+?)\s{2,}([\d.]+)\s+([\d.]+)\s+([\d,]+)\s+([\d.]+)$/.exec(line);
      if (m) table.set(`${size} ${m[1]}`, { name: m[2], perSecond: num(m[5]), vsB: num(m[6]) });
    }
    for (const m of out.matchAll(
      /^([\d,]+) \((\d)\): ([\d.]+)× \(b\)'s time .*?\[([^\]]+)\]; ([\d.]+)× faster than the SDK .*?\[([^\]]+)\]$/gm,
    )) {
      const [, n, key, , bVerdict, vsSdk, sdkVerdict] = m;
      const v = table.get(`${n} ${key}`);
      const b = table.get(`${n} b`);
      const c = table.get(`${n} c`);
      if (!v) continue;
      rows.push(
        row({
          benchmark: `SSE ${n} events: (${key}) ${v.name}`,
          value: v.perSecond,
          unit: "events/s",
          baseline: b
            ? `eventsource-parser + JSON.parse ${b.perSecond.toLocaleString("en-US")}/s`
            : undefined,
          ratio: v.vsB,
          target: bVerdict.replace(/\s*(met|MISSED)$/, "×"),
          met: verdictOf(bVerdict),
        }),
      );
      rows.push(
        row({
          benchmark: `SSE ${n} events: (${key}) vs the official SDK`,
          value: v.perSecond,
          unit: "events/s",
          baseline: c
            ? `@anthropic-ai/sdk messages.stream ${c.perSecond.toLocaleString("en-US")}/s`
            : undefined,
          ratio: num(vsSdk),
          ratio_kind: "faster",
          target: sdkVerdict.replace(/\s*(met|MISSED)$/, "×"),
          met: verdictOf(sdkVerdict),
        }),
      );
    }
    for (const m of out.matchAll(
      /^([\d,]+) file sink overhead vs return only: (-?[\d.]+)% .*?\[([^\]]+)\]$/gm,
    )) {
      rows.push(
        row({
          benchmark: `SSE ${m[1]} events: JSONL file sink overhead`,
          value: num(m[2]),
          unit: "%",
          baseline: "(1) return only",
          target: m[3].replace(/\s*(met|MISSED)$/, ""),
          met: verdictOf(m[3]),
        }),
      );
    }
    return rows;
  },

  "@kiwi/threads"(out) {
    const rows = [];
    let baseline;
    for (const line of out.split("\n")) {
      if (!/^ {2}\S/.test(line)) {
        if (line.trim()) baseline = undefined; // a new table title: a new first row
        continue;
      }
      const m = /^ {2}(.+?)\s{2,}([\d,.]+) (\S+)\s+([\d.]+)×(?:\s+\((.+)\))?$/.exec(line);
      if (!m) continue;
      const [, name, value, unit, ratio, note] = m;
      if (!baseline) {
        baseline = `${name} ${value} ${unit}`;
        continue;
      }
      rows.push(
        row({
          benchmark: name,
          value: num(value),
          unit,
          baseline,
          ratio: num(ratio),
          ratio_kind: "faster",
          target: note ? /target ([^:]+)/.exec(note)?.[1] : undefined,
          met: verdictOf(note),
        }),
      );
    }
    return rows;
  },

  "@kiwi/provider-anthropic"(out) {
    return [
      ...out.matchAll(
        /^(\d+) events: parser [\d.]+ ms \(([\d,]+) events\/s\), SDK finalMessage [\d.]+ ms \(([\d,]+) events\/s\) → ([\d.]+)× the SDK \(target ([^)]+)\)/gm,
      ),
    ].map((m) =>
      row({
        benchmark: `stream → neutral state, ${num(m[1]).toLocaleString("en-US")} events`,
        value: num(m[2]),
        unit: "events/s",
        baseline: `@anthropic-ai/sdk finalMessage ${m[3]}/s`,
        ratio: num(m[4]),
        ratio_kind: "faster",
        target: m[5],
      }),
    );
  },

  "@kiwi/provider-openai"(out) {
    const rows = [];
    for (const m of out.matchAll(
      /^(\d+) events: parser [\d.]+ ms \(([\d,]+) ev\/s\); SDK iterator [\d.]+ ms \(([\d,]+) ev\/s\) → ([\d.]+)× \(target ([^)]+)\); SDK finalChatCompletion ([\d.]+) ms → ([\d.]+)×/gm,
    )) {
      const n = num(m[1]).toLocaleString("en-US");
      rows.push(
        row({
          benchmark: `stream → neutral state, ${n} events`,
          value: num(m[2]),
          unit: "events/s",
          baseline: `openai stream iterator ${m[3]}/s`,
          ratio: num(m[4]),
          ratio_kind: "faster",
          target: m[5],
        }),
      );
      rows.push(
        row({
          benchmark: `stream → neutral state, ${n} events`,
          value: num(m[2]),
          unit: "events/s",
          baseline: `openai finalChatCompletion ${m[6]} ms`,
          ratio: num(m[7]),
          ratio_kind: "faster",
        }),
      );
    }
    return rows;
  },
};

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
  const saved = replay && join(replay, `${pkg.short}.out`);
  const res = replay
    ? {
        code: existsSync(saved) ? 0 : 1,
        stdout: existsSync(saved) ? readFileSync(saved, "utf8") : "",
        stderr: "",
        ms: 0,
      }
    : await run("npx", ["--yes", pnpmSpec, "--silent", "run", "bench"], {
        cwd: pkg.dir,
        env: { ...env, KIWI_BENCH_JSON: "1", KIWI_BENCH_JSON_FILE: jsonFile },
        echo: verbose,
      });
  if (save && !replay) {
    mkdirSync(save, { recursive: true });
    writeFileSync(join(save, `${pkg.short}.out`), res.stdout);
  }
  let rows = [];
  let source = "output";
  let problem;
  try {
    if (existsSync(jsonFile)) {
      rows = JSON.parse(readFileSync(jsonFile, "utf8")).rows.map((r) => row(r));
      source = "json";
    } else if (parsers[pkg.name]) rows = parsers[pkg.name](res.stdout);
    else problem = "no parser and no bench-results.json: raw output below";
  } catch (error) {
    problem = `could not read its results: ${error.message}`;
  } finally {
    rmSync(jsonFile, { force: true });
  }
  if (!problem && rows.length === 0) problem = "no rows recognised in its output: raw output below";
  for (const r of rows) r.met ??= meets(r.target, r.ratio, typeof r.value === "number" ? r.value : undefined);
  console.log(
    `${res.code === 0 ? "done" : `FAILED (exit ${res.code})`} in ${(res.ms / 1000).toFixed(0)} s, ${rows.length} rows (${source})`,
  );
  results.push({ pkg, res, rows, problem });
}

// ─── the table ─────────────────────────────────────────────────────────────────────────────────────
function fmtNumber(n) {
  if (typeof n !== "number" || Number.isNaN(n)) return String(n ?? "");
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
const body = results.flatMap(({ pkg, rows }) =>
  rows.map((r) => [
    pkg.name.replace(/^@kiwi\//, ""),
    r.benchmark,
    fmtNumber(r.value),
    r.unit ?? "",
    r.baseline ?? "",
    fmtRatio(r),
    fmtTarget(r),
  ]),
);
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
for (const { pkg, res, problem } of results) {
  if (res.code === 0 && !problem) continue;
  failed += 1;
  const where = relative(root, pkg.dir);
  const why = [res.code !== 0 ? `bench exited ${res.code}` : "", problem ?? ""].filter(Boolean).join("; ");
  console.log(`\n✗ ${pkg.name} (${where}): ${why}`);
  const tail = (text, n) => text.trimEnd().split("\n").slice(-n).join("\n") || "(empty)";
  if (res.stderr.trim()) console.log(`--- stderr (tail) ---\n${tail(res.stderr, 25)}`);
  console.log(`--- stdout (tail) ---\n${tail(res.stdout, 25)}`);
}
if (failed) console.log(`\n${failed} of ${results.length} benches failed or could not be read`);
process.exit(failed ? 1 : 0);
