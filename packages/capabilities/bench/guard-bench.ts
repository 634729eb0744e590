// The guard on a tool call (verify with a warm cache + tool id + required capabilities) and a path check
// (verify + fs scope + protected path), as ops/s and µs per call, after the token bench.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigningKey } from "@kiwi/keys";
import { recordBenchRow } from "../../../scripts/bench-rows";
import { CapabilityRegistry } from "../src/definitions/capability-registry";
import { matchPath } from "../src/glob/match-path";
import { createCapabilityGuard } from "../src/guard/capability-guard";
import { mintToken } from "../src/token/mint-token";
import { TokenVerifier } from "../src/token/token-verifier";

const TARGET_US = 20;

async function perCall(n: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < 2000; i++) await fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t) * 1000) / n;
}

export async function guardBench(): Promise<void> {
  const space = await mkdtemp(join(tmpdir(), "kiwi-guard-bench-"));
  try {
    const key = await loadOrCreateSigningKey({ userSpace: space });
    const registry = new CapabilityRegistry();
    const guard = createCapabilityGuard({
      verifier: new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] }),
      registry: () => registry,
    });
    const grants = [
      { cap: "fs.read", scope: "src/**" },
      { cap: "fs.write", scope: "dist/**" },
      { cap: "tool.execute", scope: "read_*" },
      { cap: "kiwi.execute" },
    ];
    const { token } = await mintToken({ key, grants, directiveId: "bench", threadId: "t1" });
    const meta = { __auth: token, __thread_id: "t1" };
    const toolCall = await perCall(100_000, () =>
      guard.authorizer({
        kind: "tool.run",
        toolId: "read_file",
        chain: ["read_file", "filesystem"],
        requires: ["fs.read"],
        params: {},
        meta,
      }),
    );
    const pathCheck = await perCall(100_000, () =>
      guard.checkPath({ meta, cap: "fs.read", rel: "src/lib/deep/file.ts", write: false }),
    );
    const matchOnly = await perCall(1_000_000, () => matchPath("src/**", "src/lib/deep/file.ts"));
    const toolCallMet = toolCall < TARGET_US;
    console.log("\nguard (cached token):");
    console.log(
      `  tool call check (verify + tool.execute + requires)   ${toolCall.toFixed(2).padStart(7)} µs  ${Math.round(1e6 / toolCall).toLocaleString()} ops/s  (target < ${TARGET_US} µs: ${toolCallMet ? "met" : "NOT met"})`,
    );
    console.log(
      `  path check (verify + fs scope + protected paths)    ${pathCheck.toFixed(2).padStart(7)} µs  ${Math.round(1e6 / pathCheck).toLocaleString()} ops/s`,
    );
    console.log(
      `  glob match alone (src/** vs a 4-segment path)        ${matchOnly.toFixed(3).padStart(7)} µs  ${Math.round(1e6 / matchOnly).toLocaleString()} ops/s`,
    );
    recordBenchRow({
      benchmark: "guard: tool call check (verify + tool.execute + requires)",
      value: toolCall,
      unit: "µs",
      target: `< ${TARGET_US} µs`,
      met: toolCallMet,
    });
    recordBenchRow({
      benchmark: "guard: path check (verify + fs scope + protected paths)",
      value: pathCheck,
      unit: "µs",
    });
    recordBenchRow({
      benchmark: "guard: glob match alone (src/** vs a 4-segment path)",
      value: matchOnly,
      unit: "µs",
    });
  } finally {
    await rm(space, { recursive: true, force: true });
  }
}
