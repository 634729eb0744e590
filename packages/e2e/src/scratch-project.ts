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
const INHERITED = /^(npm_|VITEST|TINYPOOL|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|PNPM_SCRIPT_SRC_DIR$)/;

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

export async function createScratchProject(): Promise<ScratchProject> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-e2e-")));
  const project = join(base, "project");
  const userSpace = join(base, "user-ai");
  const home = join(base, "home");
  await mkdir(project);
  await mkdir(home);
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name: "kiwi-e2e-project", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  return { base, project, userSpace, home };
}

/**
 * better-sqlite3 (under @kiwi/threads) installs through `prebuild-install || node-gyp rebuild`. This
 * machine cannot reach GitHub for the prebuilt binary, and compiling SQLite takes minutes, so the test
 * hands prebuild-install the workspace's own build of the same version through its documented
 * local-prebuilds option. The install script still runs, exactly as for a user.
 */
export async function provideLocalPrebuild(root: string, scratch: ScratchProject): Promise<void> {
  const require = createRequire(join(root, "packages/threads/package.json"));
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve("better-sqlite3/package.json"));
  } catch {
    return; // not installed in the workspace: npm falls back to download or compile
  }
  const binary = join(pkgDir, "build/Release/better_sqlite3.node");
  if (!existsSync(binary)) return;
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform === "linux" && !report?.header?.glibcVersionRuntime ? "musl" : "";
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  const prebuilds = join(scratch.base, "prebuilds");
  await mkdir(prebuilds);
  await runCommand({
    step: "packing the workspace's better-sqlite3 binary as a local prebuild",
    command: "tar",
    args: ["-czf", join(prebuilds, name), "build/Release/better_sqlite3.node"],
    cwd: pkgDir,
  });
  scratch.prebuilds = prebuilds;
}

/** `npm install --no-audit --no-fund <tarballs…>` in the scratch project, all tarballs in one command. */
export async function npmInstall(scratch: ScratchProject, tarballs: readonly string[], step: string) {
  return runCommand({
    step,
    command: "npm",
    args: ["install", "--no-audit", "--no-fund", ...tarballs],
    cwd: scratch.project,
    env: cleanEnv(scratch.prebuilds ? { npm_config_better_sqlite3_local_prebuilds: scratch.prebuilds } : {}),
    timeoutMs: 150_000,
  });
}
