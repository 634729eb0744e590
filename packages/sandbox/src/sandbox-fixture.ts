// Test fixture (not exported from the package): a real temp project with an `outside/` sibling.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";

export interface SandboxFixture {
  /** Real temp directory holding everything below. */
  readonly base: string;
  /** The project root (realpath'd). */
  readonly root: string;
  /** Sibling of the root; holds secret.txt = "OUTSIDE". */
  readonly outside: string;
  /** Hash of the whole outside area: `outside/` plus the look-alike siblings `proj2/`, `proj_backup/`. */
  hashOutside(): Promise<string>;
  /** Writes files (creating parents) relative to the root. */
  put(files: Record<string, string>): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeSandbox(): Promise<SandboxFixture> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-sandbox-")));
  const root = join(base, "proj");
  const outside = join(base, "outside");
  for (const dir of [root, outside, join(base, "proj2"), join(base, "proj_backup")]) await mkdir(dir);
  await writeFile(join(outside, "secret.txt"), "OUTSIDE");
  await writeFile(join(base, "proj2", "x"), "PROJ2");
  await writeFile(join(base, "proj_backup", "x"), "BACKUP");
  return {
    base,
    root,
    outside,
    hashOutside: async () => {
      const hash = createHash("sha256");
      for (const dir of ["outside", "proj2", "proj_backup"]) await hashTree(join(base, dir), dir, hash);
      return hash.digest("hex");
    },
    put: async (files) => {
      for (const [rel, content] of Object.entries(files)) {
        const abs = join(root, rel);
        await mkdir(join(abs, ".."), { recursive: true });
        await writeFile(abs, content);
      }
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

async function hashTree(abs: string, rel: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const info = await lstat(abs);
  hash.update(`${rel}\0${info.mode}\0`);
  if (info.isSymbolicLink()) hash.update(await readlink(abs));
  else if (info.isFile()) hash.update(await readFile(abs));
  else if (info.isDirectory()) {
    for (const name of (await readdir(abs)).sort()) await hashTree(join(abs, name), `${rel}/${name}`, hash);
  }
}

/** Whether this machine lets us create symlinks (skipped with a visible reason when not). */
export async function symlinksSupported(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "kiwi-symlink-probe-"));
  try {
    await symlink("target", join(dir, "link"));
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Creates a FIFO with the system `mkfifo`; false when it is unavailable. */
export function makeFifo(path: string): boolean {
  const result = spawnSync("mkfifo", [path]);
  return result.status === 0;
}

/** Whether `mkfifo` works here at all. */
export async function fifosSupported(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "kiwi-fifo-probe-"));
  try {
    return makeFifo(join(dir, "fifo"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts a refusal with its exact code and reason, and that nothing outside the project changed. */
export async function expectRefused(
  fixture: SandboxFixture,
  run: () => Promise<unknown>,
  code: string,
  reason?: string,
): Promise<void> {
  const before = await fixture.hashOutside();
  const expected = reason === undefined ? { code } : { code, context: expect.objectContaining({ reason }) };
  await expect(run()).rejects.toMatchObject(expected);
  expect(await fixture.hashOutside()).toBe(before);
  expect(await readFile(join(fixture.outside, "secret.txt"), "utf8")).toBe("OUTSIDE");
}
