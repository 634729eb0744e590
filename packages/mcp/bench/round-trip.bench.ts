// MCP round trip: `execute` of a no-op tool (executor_id: echo) through the real dist/bin.js over stdio,
// against a trivial tool on a bare official-SDK McpServer over stdio, measured in the same run.
// Run `pnpm build` first. BENCH_CALLS (default 2000) and BENCH_WARMUP (default 300) tune it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { createTestProject, TOOLS } from "../src/test-project";

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const ROUNDS = 4; // alternate the two servers in rounds so drift on the machine hits both alike
const TARGET_RATIO = 1.25;

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const BARE = fileURLToPath(new URL("./bare-server.mjs", import.meta.url));
const LAYER = fileURLToPath(new URL("./layer-only-server.mjs", import.meta.url));

interface Subject {
  label: string;
  client: Client;
  call: () => Promise<unknown>;
  samples: number[];
}

async function connect(args: string[], env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: "ignore" });
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function timed(subject: Subject, n: number, record: boolean): Promise<void> {
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const result = (await subject.call()) as { isError?: boolean; content?: unknown };
    const micros = Number(process.hrtime.bigint() - start) / 1000;
    if (result.isError) throw new Error(`${subject.label}: call failed: ${JSON.stringify(result.content)}`);
    if (record) subject.samples.push(micros);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    perSecond: (samples.length / total) * 1e6,
  };
}

async function main() {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` in packages/mcp first`);
  const project = await createTestProject({ noop: TOOLS.noop! });
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  const kiwiClient = await connect([BIN, "--project", project.projectRoot], {
    ...env,
    KIWI_USER_SPACE: project.userSpace,
  });
  const bareClient = await connect([BARE], env);
  const layerClient = await connect([LAYER], env);
  const args = { item_type: "tool", action: "run", item_id: "noop" };
  const kiwi: Subject = {
    label: "kiwi-mcp execute(noop)",
    client: kiwiClient,
    call: () => kiwiClient.callTool({ name: "execute", arguments: args }),
    samples: [],
  };
  const bare: Subject = {
    label: "bare McpServer noop",
    client: bareClient,
    call: () => bareClient.callTool({ name: "noop", arguments: {} }),
    samples: [],
  };
  const layer: Subject = {
    label: "  of which @kiwi/mcp layer",
    client: layerClient,
    call: () => layerClient.callTool({ name: "execute", arguments: args }),
    samples: [],
  };
  const subjects = [kiwi, bare, layer];
  try {
    for (const s of subjects) await timed(s, WARMUP, false);
    const perRound = Math.ceil(CALLS / ROUNDS);
    for (let r = 0; r < ROUNDS; r++)
      for (const s of r % 2 ? [...subjects].reverse() : subjects) await timed(s, perRound, true);
  } finally {
    await kiwiClient.close();
    await bareClient.close();
    await layerClient.close();
    await project.cleanup();
  }
  const k = stats(kiwi.samples);
  const b = stats(bare.samples);
  const l = stats(layer.samples);
  const row = (label: string, s: ReturnType<typeof stats>) =>
    `${label.padEnd(26)} ${s.p50.toFixed(0).padStart(8)} ${s.p99.toFixed(0).padStart(8)} ${s.perSecond.toFixed(0).padStart(9)}`;
  console.log(
    `\nMCP round trip over stdio, ${kiwi.samples.length} sequential calls each after ${WARMUP} warm-up calls (node ${process.version})\n`,
  );
  console.log(
    `${"server".padEnd(26)} ${"p50 µs".padStart(8)} ${"p99 µs".padStart(8)} ${"calls/s".padStart(9)}`,
  );
  console.log(row(kiwi.label, k));
  console.log(row(bare.label, b));
  console.log(row(layer.label, l));
  const ratio = k.p50 / b.p50;
  console.log(
    `\nkiwi/bare: p50 ${ratio.toFixed(2)}×, p99 ${(k.p99 / b.p99).toFixed(2)}×, throughput ${(b.perSecond / k.perSecond).toFixed(2)}× slower (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`,
  );
  console.log(
    `diagnostic: @kiwi/mcp over a stand-in kernel is ${(l.p50 / b.p50).toFixed(2)}× bare at p50; the kernel's execute adds ≈${Math.max(0, k.p50 - l.p50).toFixed(0)} µs`,
  );
  const vsBare = (figure: number, unit: string) =>
    `bare official-SDK server ${Math.round(figure).toLocaleString("en-US")} ${unit}`;
  for (const [name, s, targeted] of [
    ["MCP execute round trip through kiwi-mcp", k, true],
    ["@kiwi/mcp layer alone (stand-in kernel)", l, false],
  ] as const) {
    recordBenchRow({
      benchmark: `${name}, p50`,
      value: s.p50,
      unit: "µs",
      baseline: vsBare(b.p50, "µs"),
      ratio: s.p50 / b.p50,
      ratioKind: "time",
      ...(targeted ? { target: `≤ ${TARGET_RATIO}×`, met: ratio <= TARGET_RATIO } : {}),
    });
    recordBenchRow({
      benchmark: `${name}, p99`,
      value: s.p99,
      unit: "µs",
      baseline: vsBare(b.p99, "µs"),
      ratio: s.p99 / b.p99,
      ratioKind: "time",
    });
    recordBenchRow({
      benchmark: `${name}, throughput`,
      value: s.perSecond,
      unit: "calls/s",
      baseline: vsBare(b.perSecond, "calls/s"),
      ratio: s.perSecond / b.perSecond,
      ratioKind: "faster",
    });
  }
  recordBenchRow({
    benchmark: "kernel execute within the round trip, p50 (kiwi-mcp minus the layer)",
    value: Math.max(0, k.p50 - l.p50),
    unit: "µs",
  });
  writeBenchRows();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
