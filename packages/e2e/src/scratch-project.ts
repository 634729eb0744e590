import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "./run-command";

/** A fresh npm project outside the workspace, with its own user space and HOME for Kiwi processes. */
export interface ScratchProject {
  /** The temp folder holding everything below (removed at the end). */
  base: string;
  project: string;
  userSpace: string;
  home: string;
  /** Folder with a local prebuilt better-sqlite3 binary for prebuild-install, when the workspace has one. */
  prebuilds?: string;
}

// Variables a parent pnpm, npm, turbo or vitest run puts in the environment; a user's shell has none of
// them, and some (npm_config_*, NODE_OPTIONS) would change what npm or node do in the scratch project.
const INHERITED =
  /^(npm_|pnpm_|VITEST|TINYPOOL|TURBO_|NODE_OPTIONS$|NODE_ENV$|NODE_PATH$|FORCE_TTY$|INIT_CWD$|PNPM_SCRIPT_SRC_DIR$|PNPM_PACKAGE_NAME$)/;

/** The environment of a user's shell: the parent's, minus what the runners injected. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!INHERITED.test(key)) env[key] = value;
  return { ...env, npm_config_update_notifier: "false", ...extra };
}

/** Environment for Kiwi processes in the scratch project: nothing touches the real ~/.ai. */
export function kiwiEnv(scratch: ScratchProject): NodeJS.ProcessEnv {
  return cleanEnv({ HOME: scratch.home, KIWI_USER_SPACE: scratch.userSpace });
}

/**
 * A fresh project in a new temp folder. `npmrc` becomes the project's `.npmrc` (the line a user writes for
 * the @kiwi scope); `manifest` is merged into its package.json.
 */
export async function createScratchProject(
  options: { npmrc?: string; manifest?: Record<string, unknown> } = {},
): Promise<ScratchProject> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-e2e-")));
  const project = join(base, "project");
  const userSpace = join(base, "user-ai");
  const home = join(base, "home");
  await mkdir(project);
  await mkdir(home);
  const manifest = { name: "kiwi-e2e-project", version: "1.0.0", private: true, type: "module" };
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ ...manifest, ...options.manifest }, null, 2)}\n`,
  );
  if (options.npmrc !== undefined) await writeFile(join(project, ".npmrc"), options.npmrc);
  return { base, project, userSpace, home };
}

/** The file name prebuild-install looks for: better-sqlite3-v<version>-node-v<abi>-<platform><libc>-<arch>.tar.gz */
function prebuildName(version: string): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform === "linux" && !report?.header?.glibcVersionRuntime ? "musl" : "";
  return `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
}

/** Where compiled better-sqlite3 binaries are kept between runs, per Node ABI (`KIWI_E2E_PREBUILDS`). */
const prebuildCache = () => process.env.KIWI_E2E_PREBUILDS;

function workspaceSqlite(root: string): { dir: string; version: string } | undefined {
  const require = createRequire(join(root, "packages/threads/package.json"));
  try {
    const dir = dirname(require.resolve("better-sqlite3/package.json"));
    const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
    return { dir, version };
  } catch {
    return undefined;
  }
}

/**
 * better-sqlite3 (under @kiwi/threads) installs through `prebuild-install || node-gyp rebuild`. This
 * machine cannot reach GitHub for the prebuilt binary, and compiling SQLite takes minutes, so the test
 * hands prebuild-install a binary for the running Node's ABI through its documented local-prebuilds
 * option: one kept from an earlier run (`KIWI_E2E_PREBUILDS`), or the workspace's own build when it loads
 * under this Node. Otherwise npm compiles it, as it would for a user. The install script always runs.
 */
export async function provideLocalPrebuild(root: string, scratch: ScratchProject): Promise<void> {
  const sqlite = workspaceSqlite(root);
  if (!sqlite) return; // not installed in the workspace: npm falls back to download or compile
  const name = prebuildName(sqlite.version);
  const cache = prebuildCache();
  if (cache && existsSync(join(cache, name))) {
    scratch.prebuilds = cache;
    return;
  }
  const binary = join(sqlite.dir, "build/Release/better_sqlite3.node");
  if (!existsSync(binary)) return;
  try {
    // The workspace's binary was built for the Node that installed the workspace; use it only if it
    // loads here (a Node 22 run must not receive a Node 20 binary under a Node 22 name).
    const Database = createRequire(join(sqlite.dir, "package.json"))(sqlite.dir) as new (
      path: string,
    ) => { close(): void };
    new Database(":memory:").close();
  } catch {
    return;
  }
  const prebuilds = join(scratch.base, "prebuilds");
  await mkdir(prebuilds);
  await runCommand({
    step: "packing the workspace's better-sqlite3 binary as a local prebuild",
    command: "tar",
    args: ["-czf", join(prebuilds, name), "build/Release/better_sqlite3.node"],
    cwd: sqlite.dir,
  });
  scratch.prebuilds = prebuilds;
}

/** After an install that compiled better-sqlite3, keeps its binary in `KIWI_E2E_PREBUILDS` for later runs. */
export async function keepCompiledPrebuild(scratch: ScratchProject): Promise<void> {
  const cache = prebuildCache();
  const dir = join(scratch.project, "node_modules/better-sqlite3");
  if (!cache || !existsSync(join(dir, "build/Release/better_sqlite3.node"))) return;
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  const name = prebuildName(version);
  if (existsSync(join(cache, name))) return;
  await mkdir(cache, { recursive: true });
  await runCommand({
    step: "keeping the compiled better-sqlite3 binary for later runs",
    command: "tar",
    args: ["-czf", join(cache, name), "build/Release/better_sqlite3.node"],
    cwd: dir,
  });
}

/**
 * What a package manager's install needs in the scratch project: the local prebuild if there is one, and
 * node-gyp pointed at the headers of the Node that runs (its own `include/node`), so a compile under
 * Node 22 or 24 never builds against another version's headers.
 */
export function installEnvFor(scratch: ScratchProject): NodeJS.ProcessEnv {
  const extra: Record<string, string> = {};
  if (scratch.prebuilds) extra.npm_config_better_sqlite3_local_prebuilds = scratch.prebuilds;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, "include/node/node.h"))) extra.npm_config_nodedir = prefix;
  return cleanEnv(extra);
}

/** Minutes when better-sqlite3 compiles from source (no prebuild), seconds otherwise. */
const installTimeout = (scratch: ScratchProject) => (scratch.prebuilds ? 150_000 : 900_000);

/**
 * Adds the packages to the scratch project's dependencies as `file:` tarballs and runs `npm install`. The
 * project's `overrides` (see `tarballPins`) hold the same specs, so the tarballs' own `@kiwi/*` ranges
 * resolve to tarballs too and npm never asks a registry for a `@kiwi/*` name.
 */
export async function npmInstall(
  scratch: ScratchProject,
  packages: readonly { name: string; tarball: string }[],
  step: string,
  /** More `npm install` flags (`--omit=optional`). */
  flags: readonly string[] = [],
) {
  const file = join(scratch.project, "package.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
  manifest.dependencies = { ...manifest.dependencies };
  for (const p of packages) manifest.dependencies[p.name] = `file:${p.tarball}`;
  await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
  const result = await runCommand({
    step,
    command: "npm",
    args: ["install", "--no-audit", "--no-fund", ...flags],
    cwd: scratch.project,
    env: installEnvFor(scratch),
    timeoutMs: installTimeout(scratch),
  });
  await keepCompiledPrebuild(scratch);
  return result;
}

/** Every packed `@kiwi/*` name pinned to its tarball: npm's `overrides` / pnpm's `pnpm.overrides`. */
export function tarballPins(packages: readonly { name: string; tarball: string }[]): Record<string, string> {
  return Object.fromEntries(packages.map((p) => [p.name, `file:${p.tarball}`]));
}

/** `pnpm install` (the pinned pnpm) in the scratch project, whose package.json names what it needs. */
export async function pnpmInstall(scratch: ScratchProject, pnpm: { command: string; args: string[] }) {
  return runCommand({
    step: "pnpm install of the packed tarballs (strict node_modules)",
    command: pnpm.command,
    args: [...pnpm.args, "install", "--config.confirmModulesPurge=false"],
    cwd: scratch.project,
    env: installEnvFor(scratch),
    timeoutMs: installTimeout(scratch),
  });
}

/**
 * `npm install -g --prefix <prefix> <names>` the way a user installs a global `kiwi`: the @kiwi scope from
 * `registry` (the trap, serving the packed tarballs), everything else from npm's usual registry. The
 * `kiwi` command lands in `<prefix>/bin`, its dependencies under `<prefix>/lib/node_modules/@kiwi/cli`.
 */
export async function npmInstallGlobal(
  scratch: ScratchProject,
  options: { prefix: string; registry: string; names: readonly string[] },
) {
  const result = await runCommand({
    step: `npm install -g --prefix ${options.prefix} ${options.names.join(" ")}`,
    command: "npm",
    args: [
      "install",
      "--global",
      "--prefix",
      options.prefix,
      `--@kiwi:registry=${options.registry}`,
      "--no-audit",
      "--no-fund",
      ...options.names,
    ],
    cwd: scratch.base,
    env: installEnvFor(scratch),
    timeoutMs: installTimeout(scratch),
  });
  return result;
}
