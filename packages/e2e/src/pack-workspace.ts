import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./run-command";

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  files?: string[];
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  kiwi?: { items?: string };
  dependencies?: Record<string, string>;
  packageManager?: string;
  main?: string;
  publishConfig?: { access?: string; registry?: string };
}

export interface PackedPackage {
  name: string;
  dir: string;
  tarball: string;
  /** Paths inside the tarball, relative to `package/`. */
  files: string[];
  /** The package.json as packed (workspace: ranges already rewritten by pnpm). */
  manifest: Manifest;
}

const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest;

/** Every package under packages/* and plugins/* that is not private: what a release publishes. */
export function publishableDirs(root: string): string[] {
  const dirs: string[] = [];
  for (const group of ["packages", "plugins"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const manifest = join(base, name, "package.json");
      if (name.startsWith("_") || !existsSync(manifest)) continue;
      if (readJson(manifest).private !== true) dirs.push(join(base, name));
    }
  }
  return dirs;
}

/** The pinned pnpm, the same way scripts/run.mjs calls it (through npx). */
export function pnpmCommand(root: string): { command: string; args: string[] } {
  const spec = readJson(join(root, "package.json")).packageManager ?? "pnpm@10";
  return { command: "npx", args: ["--yes", spec] };
}

/** `npm run pack` (scripts/pack.mjs: the publishable packages only) into `destination`; reads back each manifest. */
export async function packWorkspace(root: string, destination: string): Promise<PackedPackage[]> {
  const dirs = publishableDirs(root);
  const { stdout } = await runCommand({
    step: "scripts/pack.mjs: pnpm -r pack of the publishable packages",
    command: process.execPath,
    args: [join(root, "scripts/pack.mjs"), "--pack-destination", destination, "--json"],
    cwd: root,
    timeoutMs: 90_000,
  });
  const start = stdout.indexOf("[");
  const listed = JSON.parse(stdout.slice(start)) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  const expected = new Set(dirs.map((dir) => readJson(join(dir, "package.json")).name));
  const extra = listed.filter((p) => !expected.has(p.name)).map((p) => p.name);
  if (extra.length)
    throw new Error(`scripts/pack.mjs packed private or unknown packages: ${extra.join(", ")}`);
  const packed: PackedPackage[] = [];
  for (const dir of dirs) {
    const { name } = readJson(join(dir, "package.json"));
    const entry = listed.find((p) => p.name === name);
    if (!entry) throw new Error(`pnpm pack produced no tarball for ${name} (${dir})`);
    const { stdout: manifestText } = await runCommand({
      step: `reading package.json from ${entry.filename}`,
      command: "tar",
      args: ["-xzOf", entry.filename, "package/package.json"],
      cwd: destination,
    });
    packed.push({
      name,
      dir,
      tarball: entry.filename,
      files: entry.files.map((f) => f.path),
      manifest: JSON.parse(manifestText) as Manifest,
    });
  }
  return packed;
}

/** The package and every @kiwi/* package it needs, transitively, by the packed manifests. */
export function kiwiClosure(packed: readonly PackedPackage[], name: string): PackedPackage[] {
  const byName = new Map(packed.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    const pkg = byName.get(n);
    if (!pkg) throw new Error(`${n} is needed but was not packed`);
    seen.add(n);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) if (dep.startsWith("@kiwi/")) visit(dep);
  };
  visit(name);
  return [...seen].map((n) => byName.get(n)!);
}
