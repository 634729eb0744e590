#!/usr/bin/env node
// The README's two commands land here (`npm run demo`, `npm test`). A machine with only Node 20 and npm
// is enough: the pinned pnpm comes through `npx`, dependencies are installed when the lockfile or the
// manifests changed, and the workspace is built before anything runs.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const pnpmSpec = pkg.packageManager; // e.g. "pnpm@10.34.8"
const ci = process.env.CI === "true" || process.env.CI === "1";

function run(cmd, args, opts = {}) {
  const env = { ...(opts.env ?? process.env), TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts, env });
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

// The pack-and-install test also runs on these Node versions (the current 22 and 24 LTS), whose binaries
// come from the npm registry's node-<platform>-<arch> packages and are kept in ~/.cache/kiwi between runs
// (with better-sqlite3 binaries compiled for them). The rest of the suite runs on the Node that runs this.
const OTHER_NODES = ["22.23.3", "24.22.3"];
const cacheDir = join(homedir(), ".cache", "kiwi");

/** A Node binary of `version` (its folder, with bin/node and include/node), fetched once. */
function nodeDist(version) {
  const dir = join(cacheDir, "node", `v${version}-${process.platform}-${process.arch}`);
  if (existsSync(join(dir, "bin", "node"))) return dir;
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  console.log(`» fetching Node ${version} (${spec} from the npm registry)`);
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const packed = spawnSync("npm", ["pack", spec, "--silent", "--pack-destination", tmp], {
    encoding: "utf8",
  });
  const tarball = packed.stdout?.trim().split("\n").at(-1);
  if (packed.status !== 0 || !tarball) throw new Error(`npm pack ${spec} failed: ${packed.stderr}`);
  if (run("tar", ["-xzf", join(tmp, tarball), "-C", tmp, "--strip-components=1"]) !== 0)
    throw new Error(`could not unpack ${tarball}`);
  rmSync(join(tmp, tarball));
  renameSync(tmp, dir);
  return dir;
}

/** The pack-and-install test (packages/e2e) on another Node; its report lands next to the main one. */
function e2eOn(version) {
  const major = version.split(".")[0];
  const e2e = join(root, "packages", "e2e");
  rmSync(join(e2e, `test-results-node${major}.json`), { force: true });
  let dist;
  try {
    dist = nodeDist(version);
  } catch (error) {
    console.log(String(error));
    return;
  }
  console.log(`\n» pack-and-install test on Node ${version}`);
  // vitest itself runs on that Node (so do npm, npx and kiwi in the test: its bin/ comes first on PATH).
  const code = run(
    join(dist, "bin", "node"),
    [
      join(root, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "src/pack-install.e2e.test.ts",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=test-results-node${major}.json`,
    ],
    {
      cwd: e2e,
      env: {
        ...process.env,
        PATH: `${join(dist, "bin")}:${process.env.PATH}`,
        KIWI_E2E_PREBUILDS: join(cacheDir, "prebuilds"),
        // npm on Node 22+ turns on Node's module compile cache, kept in the temp folder by default: the
        // tests' temp-folder guard would count it as something the test left behind.
        NODE_DISABLE_COMPILE_CACHE: "1",
      },
    },
  );
  if (code !== 0) console.log(`pack-and-install test on Node ${version} exited ${code}`);
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
    for (const version of OTHER_NODES) e2eOn(version);
  }
  let passed = 0;
  let failed = 0;
  const reports = dirs.map((d) => join(d, "test-results.json"));
  for (const version of OTHER_NODES)
    reports.push(join(root, "packages", "e2e", `test-results-node${version.split(".")[0]}.json`));
  for (const report of reports) {
    if (!existsSync(report)) {
      // A suite that crashed before reporting counts as a failure, never as silence.
      failed += 1;
      console.log(`no test report ${report.slice(root.length + 1)}: counted as 1 failure`);
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

/** `node scripts/run.mjs e2e-nodes`: only the pack-and-install test on the other Node versions. */
function e2eNodes() {
  ensureInstalled();
  let failed = 0;
  let passed = 0;
  for (const version of OTHER_NODES) {
    e2eOn(version);
    const report = join(root, "packages", "e2e", `test-results-node${version.split(".")[0]}.json`);
    if (!existsSync(report)) {
      failed += 1;
      continue;
    }
    const json = JSON.parse(readFileSync(report, "utf8"));
    passed += json.numPassedTests ?? 0;
    failed += (json.numFailedTests ?? 0) + (json.success === false && !json.numFailedTests ? 1 : 0);
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

const command = process.argv[2];
if (command === "test") testAll();
else if (command === "e2e-nodes") e2eNodes();
else if (command === "demo") demo();
else {
  console.error("usage: node scripts/run.mjs <test|demo|e2e-nodes>");
  process.exit(2);
}
