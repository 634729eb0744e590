#!/usr/bin/env node
// The README's two commands land here (`npm run demo`, `npm test`). A machine with only Node 20 and npm
// is enough: the pinned pnpm comes through `npx`, dependencies are installed when the lockfile or the
// manifests changed, and the workspace is built before anything runs.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const pnpmSpec = pkg.packageManager; // e.g. "pnpm@10.34.8"
const ci = process.env.CI === "true" || process.env.CI === "1";

function run(cmd, args, opts = {}) {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function pnpm(args, opts) {
  return run("npx", ["--yes", pnpmSpec, ...args], opts);
}

function workspaceDirs() {
  const dirs = [];
  for (const group of ["packages", "plugins", "examples"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      // plugins/_template holds one package per plugin kind: built and tested like the rest, never published.
      if (name === "_template") {
        for (const kind of readdirSync(join(base, name))) {
          if (existsSync(join(base, name, kind, "package.json"))) dirs.push(join(base, name, kind));
        }
        continue;
      }
      if (name.startsWith("_")) continue;
      if (existsSync(join(base, name, "package.json"))) dirs.push(join(base, name));
    }
  }
  return dirs;
}

/** Install when the lockfile or any manifest changed since the last install (or always in CI). */
function ensureInstalled() {
  const hash = createHash("sha256");
  for (const file of ["pnpm-lock.yaml", "package.json", "pnpm-workspace.yaml"]) {
    if (existsSync(join(root, file))) hash.update(readFileSync(join(root, file)));
  }
  for (const dir of workspaceDirs()) hash.update(readFileSync(join(dir, "package.json")));
  const digest = hash.digest("hex");
  const stamp = join(root, "node_modules", ".kiwi-install-stamp");
  if (!ci && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return;
  console.log(`» installing dependencies with ${pnpmSpec}${ci ? " (frozen lockfile)" : ""}`);
  const code = pnpm(["install", ...(ci ? ["--frozen-lockfile"] : [])]);
  if (code !== 0) process.exit(code);
  writeFileSync(stamp, digest);
}

function step(title, args) {
  console.log(`\n» ${title}`);
  return pnpm(args);
}

function testAll() {
  ensureInstalled();
  const failures = [];
  if (step("build", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]) !== 0)
    failures.push("build");
  if (failures.length === 0) {
    if (step("typecheck", ["exec", "turbo", "run", "typecheck", "--output-logs=errors-only"]) !== 0)
      failures.push("typecheck");
    if (step("lint", ["exec", "biome", "check", "."]) !== 0) failures.push("lint");
  }
  const dirs = workspaceDirs().filter(
    (d) => JSON.parse(readFileSync(join(d, "package.json"), "utf8")).scripts?.test,
  );
  for (const d of dirs) rmSync(join(d, "test-results.json"), { force: true });
  let testExit = 1;
  // Tests run whenever the build succeeded, so a lint or type error never hides a test result.
  if (!failures.includes("build")) {
    testExit = step("test", ["exec", "turbo", "run", "test", "--continue", "--concurrency=1"]);
  }
  let passed = 0;
  let failed = 0;
  for (const d of dirs) {
    const report = join(d, "test-results.json");
    if (!existsSync(report)) {
      // A suite that crashed before reporting counts as a failure, never as silence.
      failed += 1;
      console.log(`no test report from ${d.slice(root.length + 1)}: counted as 1 failure`);
      continue;
    }
    const json = JSON.parse(readFileSync(report, "utf8"));
    passed += json.numPassedTests ?? 0;
    failed += (json.numFailedTests ?? 0) + (json.numRuntimeErrorTestSuites ?? 0);
    if (json.success === false && (json.numFailedTests ?? 0) === 0) failed += 1;
  }
  if (testExit !== 0 && failed === 0) failed = 1;
  failed += failures.length;
  if (failures.length) console.log(`failed steps: ${failures.join(", ")}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

function demo() {
  ensureInstalled();
  if (pnpm(["exec", "turbo", "run", "build", "--output-logs=errors-only"]) !== 0) process.exit(1);
  const extra = process.argv.slice(3);
  process.exit(run(process.execPath, [join(root, "packages/cli/dist/bin.js"), "demo", ...extra]));
}

const command = process.argv[2];
if (command === "test") testAll();
else if (command === "demo") demo();
else {
  console.error("usage: node scripts/run.mjs <test|demo>");
  process.exit(2);
}
