// Test helper (not exported): a temp project with an `outside/` sibling holding secret.txt = "OUTSIDE".
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestProject {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  cleanup(): Promise<void>;
}

export async function makeTestProject(): Promise<TestProject> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-sinks-")));
  const root = join(base, "project");
  const outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.txt"), "OUTSIDE");
  return { base, root, outside, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/** Every entry under `dir` (recursively) with file contents: equal snapshots mean nothing changed. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path] = entry.isFile() ? await readFile(path, "utf8") : entry.isSymbolicLink() ? "<link>" : "<dir>";
  }
  return out;
}

export async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text === "" ? [] : text.slice(0, -1).split("\n");
}
