// Capability token benchmark: `pnpm --filter @kiwi/capabilities bench` (tsx bench/run.ts).
// Bare jose runs in the same process as the baseline; ratios are ours / bare jose.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigningKey } from "@kiwi/keys";
import { type JWTVerifyOptions, jwtVerify, SignJWT } from "jose";
import { recordBenchRow, writeBenchRows } from "../../../scripts/bench-rows";
import { REQUIRED_CLAIMS } from "../src/token/capability-claims";
import { mintToken } from "../src/token/mint-token";
import { TokenVerifier } from "../src/token/token-verifier";
import { verifyToken } from "../src/token/verify-token";

const ROUNDS = 7;
const PER_ROUND = 1500;
const CACHED_ITERATIONS = 200_000;
const FIRST_VERIFY_TARGET = 1.2;

const space = await mkdtemp(join(tmpdir(), "kiwi-bench-"));
const key = await loadOrCreateSigningKey({ userSpace: space });
const keys = [{ keyId: key.keyId, publicKey: key.publicKey }];
const grants = [
  { cap: "fs.read", scope: "src/**" },
  { cap: "fs.write", scope: "dist/**" },
  { cap: "tool.execute", scope: "kiwi/*" },
  { cap: "kiwi.search" },
];
const claimsFor = (i: number) => ({
  caps: grants,
  aud: "kiwi-tools",
  iss: "kiwi-harness",
  jti: `bench-${i}`,
  directive_id: "bench/directive",
  thread_id: "bench-thread",
  parent_jti: null,
});
const joseOptions: JWTVerifyOptions = {
  algorithms: ["EdDSA"],
  audience: "kiwi-tools",
  issuer: "kiwi-harness",
  typ: "kiwi-cap+jwt",
  requiredClaims: [...REQUIRED_CLAIMS],
  clockTolerance: 5,
};

const bareSign = (i: number) =>
  new SignJWT(claimsFor(i))
    .setProtectedHeader({ alg: "EdDSA", typ: "kiwi-cap+jwt", kid: key.keyId })
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime("15m")
    .sign(key.privateKey);
const mint = (i: number) =>
  mintToken({ key, grants, directiveId: "bench/directive", threadId: "bench-thread", parentJti: `p-${i}` });

type Op = (i: number) => Promise<unknown>;

/**
 * Runs the operations interleaved (op A, op B, … for i = 0, 1, …) so drift, GC and CPU-frequency
 * changes hit every contender alike; returns microseconds per call for each.
 */
async function interleaved(count: number, ops: readonly Op[]): Promise<number[]> {
  const totals = ops.map(() => 0n);
  for (let i = 0; i < count; i++) {
    for (const [index, op] of ops.entries()) {
      const start = process.hrtime.bigint();
      await op(i);
      totals[index] = (totals[index] ?? 0n) + (process.hrtime.bigint() - start);
    }
  }
  return totals.map((total) => Number(total) / 1000 / count);
}

async function timeEach(count: number, run: Op): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await run(i);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// Distinct tokens for every verification, so "first verify" never hits a cache.
const tokensFor = async (round: number) =>
  Promise.all(Array.from({ length: PER_ROUND }, (_, i) => mint(round * PER_ROUND + i).then((m) => m.token)));

const NAMES = [
  "jose SignJWT.sign (baseline)",
  "mintToken",
  "jose jwtVerify (baseline)",
  "verifyToken (no cache)",
  "TokenVerifier.verify, first",
] as const;
const samples = new Map<string, number[]>(NAMES.map((name) => [name, []]));
// Round 0 is a warm-up (JIT, jose's CryptoKey cache) and is not recorded.
for (let round = 0; round <= ROUNDS; round++) {
  const [forJose, forFunction, forVerifier] = [
    await tokensFor(round),
    await tokensFor(round),
    await tokensFor(round),
  ];
  const verifier = new TokenVerifier({ keys }); // fresh per round: earlier rounds' tokens must not be cached
  const results = [
    ...(await interleaved(PER_ROUND, [bareSign, mint])),
    ...(await interleaved(PER_ROUND, [
      (i) => jwtVerify(forJose[i] ?? "", key.publicKey, joseOptions),
      (i) => verifyToken(forFunction[i], { keys, threadId: "bench-thread" }),
      (i) => verifier.verify(forVerifier[i], { threadId: "bench-thread" }),
    ])),
  ];
  if (round === 0) continue;
  for (const [index, name] of NAMES.entries()) samples.get(name)?.push(results[index] ?? Number.NaN);
}

const cachedVerifier = new TokenVerifier({ keys });
const cachedToken = (await mint(-1)).token;
await cachedVerifier.verify(cachedToken, { threadId: "bench-thread" });
const cachedSamples: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const us = await timeEach(CACHED_ITERATIONS, () =>
    cachedVerifier.verify(cachedToken, { threadId: "bench-thread" }),
  );
  if (round > 0) cachedSamples.push(us);
}

const us = (name: string) => median(samples.get(name) ?? []);
const signBase = us("jose SignJWT.sign (baseline)");
const verifyBase = us("jose jwtVerify (baseline)");
/** name, µs/op, the ratio column; a measured row also names its baseline and whether a target applies. */
const rows: [string, number, string, { baseline: string; targeted: boolean }?][] = [
  ["jose SignJWT.sign (baseline)", signBase, "1.00×"],
  [
    "mintToken",
    us("mintToken"),
    `${(us("mintToken") / signBase).toFixed(2)}× sign`,
    { baseline: "jose SignJWT.sign", targeted: false },
  ],
  ["jose jwtVerify (baseline)", verifyBase, "1.00×"],
  [
    "verifyToken (no cache)",
    us("verifyToken (no cache)"),
    `${(us("verifyToken (no cache)") / verifyBase).toFixed(2)}× verify`,
    { baseline: "jose jwtVerify", targeted: true },
  ],
  [
    "TokenVerifier.verify, first",
    us("TokenVerifier.verify, first"),
    `${(us("TokenVerifier.verify, first") / verifyBase).toFixed(2)}× verify`,
    { baseline: "jose jwtVerify", targeted: true },
  ],
  [
    "TokenVerifier.verify, cached",
    median(cachedSamples),
    `${(median(cachedSamples) / verifyBase).toFixed(3)}× verify`,
    { baseline: "jose jwtVerify", targeted: false },
  ],
];

console.log(
  `\nCapability tokens (node ${process.version}, median of ${ROUNDS} rounds, ${PER_ROUND} ops per round)\n`,
);
console.log(
  `| ${"operation".padEnd(30)} | ${"µs/op".padStart(8)} | ${"ops/s".padStart(10)} | ratio           |`,
);
console.log(`|${"-".repeat(32)}|${"-".repeat(10)}|${"-".repeat(12)}|-----------------|`);
for (const [name, micros, ratio, measured] of rows) {
  const ops = Math.round(1e6 / micros).toLocaleString("en-US");
  console.log(
    `| ${name.padEnd(30)} | ${micros.toFixed(2).padStart(8)} | ${ops.padStart(10)} | ${ratio.padEnd(15)} |`,
  );
  if (!measured) continue;
  const base = measured.baseline === "jose SignJWT.sign" ? signBase : verifyBase;
  recordBenchRow({
    benchmark: name,
    value: micros,
    unit: "µs/op",
    baseline: `${measured.baseline} ${base.toFixed(2)} µs`,
    ratio: micros / base,
    ratioKind: "time",
    ...(measured.targeted
      ? { target: `≤ ${FIRST_VERIFY_TARGET}×`, met: micros / base <= FIRST_VERIFY_TARGET }
      : {}),
  });
}
const firstRatio = us("TokenVerifier.verify, first") / verifyBase;
const functionRatio = us("verifyToken (no cache)") / verifyBase;
const verdict = (ratio: number) => (ratio <= FIRST_VERIFY_TARGET ? "met" : "MISSED");
console.log(
  `\nfirst verification vs bare jose: TokenVerifier ${firstRatio.toFixed(2)}× (${verdict(firstRatio)}), verifyToken ${functionRatio.toFixed(2)}× (${verdict(functionRatio)}); target ≤ ${FIRST_VERIFY_TARGET}×`,
);
console.log(`cached TokenVerifier.verify: ${median(cachedSamples).toFixed(3)} µs`);

// ─── Slot for the lead ──────────────────────────────────────────────────────────────────────────────
// The cached guard check (verify + caps + scope, target < 20 µs) and the path checks go in
// bench/guard-bench.ts as `export async function guardBench(): Promise<void>`; it runs here when present.
const guardBenchFile = new URL("./guard-bench.ts", import.meta.url);
if (existsSync(guardBenchFile)) {
  const module = (await import(guardBenchFile.href)) as { guardBench?: () => Promise<void> };
  if (typeof module.guardBench !== "function")
    throw new Error("bench/guard-bench.ts must export guardBench()");
  await module.guardBench();
} else {
  console.log("\nguard bench: bench/guard-bench.ts not present yet, skipped");
}

await rm(space, { recursive: true, force: true });
writeBenchRows();
