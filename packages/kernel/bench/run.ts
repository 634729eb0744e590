// Kernel benchmarks (`pnpm bench` in packages/kernel). Figures are ratios against baselines measured in
// the same run, because the machine is shared and noisy:
//   1. library load + validation + verification of 1,000 and 10,000 generated items, against reading
//      the same files raw: cold (a new user space), then warm (a second kernel start, which finds what the
//      first one proved in the user space's verification cache);
//   2. search p50/p99 over 10,000 items;
//   3. execute of a three-deep chain over a no-op primitive, against calling that primitive directly.
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrimitiveV1 } from "@kiwi/spec";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { createKernel } from "../src/create-kernel";

const noop: PrimitiveV1 = {
  specificationVersion: "primitive-v1",
  id: "noop",
  run: async () => ({ success: true }),
};
const WORDS =
  "deploy build test lint release docs api cache queue retry stream token thread budget search index".split(
    " ",
  );

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function library(n: number) {
  const projectRoot = await realpath(await mkdtemp(join(tmpdir(), "kiwi-bench-")));
  const userSpace = join(projectRoot, "user");
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = WORDS[i % WORDS.length]!;
    const v = WORDS[(i * 7) % WORDS.length]!;
    const kind = i % 3;
    const cat = `c${i % 20}`;
    let rel: string;
    let text: string;
    if (kind === 0) {
      rel = `.ai/tools/${cat}/t_${i}.yaml`;
      text = `tool_id: t_${i}\ntool_type: utility\nversion: "1.0.0"\ndescription: ${w} ${v} tool number ${i}\nexecutor_id: noop\nrequires: none\nparameters:\n  - name: x\n    type: string\nconfig:\n  value: "{x}"\n`;
    } else if (kind === 1) {
      rel = `.ai/knowledge/${cat}/k_${i}.md`;
      text = `---\nid: k_${i}\ntitle: ${w} notes ${i}\nentry_type: reference\ntags: [${w}, ${v}]\nversion: "1.0.0"\n---\nHow to ${w} with ${v}, entry ${i}.\n`;
    } else {
      rel = `.ai/directives/${cat}/d_${i}.md`;
      text = `# d_${i}\n\n\`\`\`xml\n<directive name="d_${i}" version="1.0.0">\n<metadata><description>${w} then ${v}</description><category>${cat}</category>\n<model tier="fast"/><cost><max_turns>5</max_turns><on_exceeded>stop</on_exceeded></cost>\n<permissions><execute resource="tool" id="t_*"/></permissions></metadata>\n<process><step name="s"><description>${w}</description><action>${v}</action></step></process>\n</directive>\n\`\`\`\n`;
    }
    await mkdir(join(projectRoot, rel, ".."), { recursive: true });
    await writeFile(join(projectRoot, rel), text);
    files.push(join(projectRoot, rel));
  }
  const signer = await createKernel({
    projectRoot,
    userSpace,
    coreSpace: false,
    pluginSpaces: false,
    primitives: [noop],
  });
  for (const t of ["tool", "knowledge", "directive"] as const) {
    const r = await signer.execute({ item_type: t, action: "sign", item_id: "*" });
    if (!r.success || (r.failed as unknown[]).length)
      throw new Error(`signing failed: ${JSON.stringify(r).slice(0, 400)}`);
  }
  // Cold means no verification cache: the signer's own refreshes may have saved one.
  await rm(join(userSpace, "cache"), { recursive: true, force: true });
  let t = performance.now();
  for (const f of files) await readFile(f);
  const raw = performance.now() - t;
  t = performance.now();
  const kernel = await createKernel({
    projectRoot,
    userSpace,
    coreSpace: false,
    pluginSpaces: false,
    primitives: [noop],
  });
  const entries = await kernel.inventory();
  const load = performance.now() - t;
  const broken = entries.filter((e) => e.problem || e.chainProblem).length;
  if (broken) throw new Error(`${broken} items did not load cleanly`);
  // Warm start: a new kernel over the same spaces, as the next process would be.
  t = performance.now();
  const again = await createKernel({
    projectRoot,
    userSpace,
    coreSpace: false,
    pluginSpaces: false,
    primitives: [noop],
  });
  const warmEntries = await again.inventory();
  const warm = performance.now() - t;
  if (warmEntries.filter((e) => e.problem || e.chainProblem).length || warmEntries.length !== n)
    throw new Error("the warm start did not load every item cleanly");
  return { projectRoot, kernel, raw, load, warm };
}

async function main() {
  console.log(`Kiwi kernel benchmarks (node ${process.version})\n`);
  console.log("library load: parse + validate + verify every item, vs reading the same files raw");
  let big: Awaited<ReturnType<typeof library>> | undefined;
  for (const n of (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number)) {
    const r = await library(n);
    console.log(
      `  ${String(n).padStart(6)} items  ${r.load.toFixed(0).padStart(6)} ms (${((n / r.load) * 1000).toFixed(0)} items/s)  raw read ${r.raw.toFixed(0)} ms  ratio ${(r.load / r.raw).toFixed(1)}×`,
    );
    recordBenchRow({
      benchmark: `library load + validate + verify, ${n.toLocaleString("en-US")} items`,
      value: (n / r.load) * 1000,
      unit: "items/s",
      baseline: `raw read of the same files ${Math.round(r.raw).toLocaleString("en-US")} ms`,
      ratio: r.load / r.raw,
      ratioKind: "time",
    });
    console.log(
      `  ${String(n).padStart(6)} items  warm ${r.warm.toFixed(0).padStart(6)} ms (${((n / r.warm) * 1000).toFixed(0)} items/s)  raw read ${r.raw.toFixed(0)} ms  ratio ${(r.warm / r.raw).toFixed(1)}×  (second start, verification cache; target ≥ 10000 items/s: ${(n / r.warm) * 1000 >= 10_000 ? "met" : "NOT met"})`,
    );
    recordBenchRow({
      benchmark: `library load + validate + verify, ${n.toLocaleString("en-US")} items, warm start`,
      value: (n / r.warm) * 1000,
      unit: "items/s",
      baseline: `raw read of the same files ${Math.round(r.raw).toLocaleString("en-US")} ms`,
      ratio: r.warm / r.raw,
      ratioKind: "time",
      target: "≥ 10,000 items/s",
      met: (n / r.warm) * 1000 >= 10_000,
    });
    if (n === Math.max(...(process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number))) big = r;
    else await rm(r.projectRoot, { recursive: true, force: true });
  }
  const { kernel, projectRoot } = big!;

  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const q = `${WORDS[i % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]}`;
    const t = performance.now();
    const r = await kernel.search({ item_type: i % 2 ? "tool" : "knowledge", query: q, limit: 10 });
    const dt = (performance.now() - t) * 1000;
    if (!r.success) throw new Error(r.error.message);
    if (i >= 200) samples.push(dt);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `\nsearch over 10,000 items: p50 ${pct(samples, 50).toFixed(0)} µs, p99 ${pct(samples, 99).toFixed(0)} µs`,
  );
  const items = Math.max(...(process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number));
  for (const p of [50, 99])
    recordBenchRow({
      benchmark: `search over ${items.toLocaleString("en-US")} items, p${p}`,
      value: pct(samples, p),
      unit: "µs",
    });

  // Three-deep chain: c3 → c2 → c1 → noop.
  const mk = (id: string, parent: string) =>
    kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: id,
      parameters: {
        content: `tool_id: ${id}\ntool_type: utility\nversion: "1.0.0"\ndescription: chain ${id}\nexecutor_id: ${parent}\nrequires: none\nconfig:\n  ${id}: true\n`,
      },
    });
  await mk("c1", "noop");
  await mk("c2", "c1");
  await mk("c3", "c2");
  const N = 20000;
  const call = { config: {}, params: {}, context: { projectRoot, toolId: "x", chain: ["x"], meta: {} } };
  for (let i = 0; i < 2000; i++) await noop.run(call);
  let t = performance.now();
  for (let i = 0; i < N; i++) await noop.run(call);
  const direct = ((performance.now() - t) * 1000) / N;
  for (let i = 0; i < 2000; i++) await kernel.execute({ item_type: "tool", action: "run", item_id: "c3" });
  t = performance.now();
  for (let i = 0; i < N; i++) {
    const r = await kernel.execute({ item_type: "tool", action: "run", item_id: "c3" });
    if (!r.success) throw new Error(r.error.message);
  }
  const chained = ((performance.now() - t) * 1000) / N;
  console.log(
    `\nexecute, 3-deep chain over a no-op primitive: ${chained.toFixed(1)} µs/call; direct primitive call ${direct.toFixed(2)} µs/call; overhead ${(chained - direct).toFixed(1)} µs (${(chained / direct).toFixed(0)}×)`,
  );
  recordBenchRow({
    benchmark: "execute, 3-deep chain over a no-op primitive",
    value: chained,
    unit: "µs/call",
    baseline: `direct primitive call ${direct.toFixed(2)} µs`,
    ratio: chained / direct,
    ratioKind: "time",
    target: "≤ 20 µs",
    met: chained <= 20,
  });
  await rm(projectRoot, { recursive: true, force: true });
}

await main();
writeBenchRows();
