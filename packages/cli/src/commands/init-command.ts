import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { parseArgs } from "node:util";
import { permissionsToGrants, systemCapsIn } from "@kiwi/capabilities";
import type { Kernel, LibraryEntry } from "@kiwi/kernel";
import {
  ensureDirInRootSync,
  readRegularFile,
  readRegularFileIfExists,
  writeFileInRoot,
} from "@kiwi/sandbox";
import { KiwiError } from "@kiwi/spec";
import { EXIT } from "../cli-error";
import { kernelFrom, kernelOptions, projectFrom, userSpaceFrom } from "../common-options";
import { type Io, print, printJson } from "../io";

/** What init did with one file of the core bundle. */
export type InitStatus =
  | "created"
  | "updated"
  | "overwritten"
  | "up_to_date"
  | "skipped_modified"
  | "kept_in_core";

export interface InitFile {
  /** Path inside `.ai/`, with forward slashes. */
  readonly path: string;
  readonly status: InitStatus;
  readonly reason?: string;
}

/** Folders and files of the core bundle that init copies (thread data, keys and local files never). */
const BUNDLE_ENTRIES = ["AGENTS.md", "directives", "tools", "knowledge"];
/**
 * Records the hash of each file as init last wrote it, so a later init can tell a copy the user edited
 * (leave it, unless --force) from one only the bundle moved past (update it).
 */
export const INIT_MANIFEST = ".kiwi-init.json";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function listFiles(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  const dir = join(root, rel);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

async function bundleFiles(core: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of BUNDLE_ENTRIES) {
    const path = join(core, name);
    if (!existsSync(path)) continue;
    if ((await lstat(path)).isDirectory()) files.push(...(await listFiles(core, name)));
    else files.push(name);
  }
  return files;
}

/**
 * Writes a file of the project space through the sandbox (writeFileInRoot of @kiwi/sandbox), the way
 * the kernel writes items: folders checked before they are created, a temp file renamed over the
 * target, so a reader never sees half a file and a symlink is replaced, never written through.
 */
async function writeAtomic(space: string, path: string, bytes: Uint8Array): Promise<void> {
  await writeFileInRoot({ root: space, rel: path, bytes, createParents: true, replaceLink: true });
}

/** Bundle files, the init manifest and their project copies are small: anything past this is refused. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A project copy's bytes, or undefined when there is none. A symlink, folder, FIFO or device where a
 * bundle file belongs is never read through (the shared reader refuses it without opening it, or without
 * blocking if it was swapped in): it counts as the user's change.
 */
async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    return (await readRegularFile(file, { maxBytes: MAX_FILE_BYTES })).bytes;
  } catch (error) {
    if (!KiwiError.isInstance(error)) throw error;
    if (error.code === "PATH_NOT_FOUND") return undefined;
    return Buffer.from(`not a regular file: ${String(error.context.reason ?? error.code)}`);
  }
}

/**
 * Core directives that grant system-only capabilities (thread_directive holds spawn.thread): only the
 * bundled core copy may hold them. A project copy would be refused (DIRECTIVE_SYSTEM_CAP) and, by
 * shadowing the core one, would stop every spawn, so init leaves them in the core space.
 */
async function coreOnly(kernel: Kernel, entries: readonly LibraryEntry[]): Promise<Map<string, string[]>> {
  const registry = await kernel.capabilities();
  const out = new Map<string, string[]>();
  for (const e of entries) {
    if (e.space.kind !== "core" || e.record?.parsed.itemType !== "directive") continue;
    const grants = permissionsToGrants(e.record.parsed.data.metadata.permissions, {
      registry,
      core: true,
      requireKnown: false,
    });
    const system = systemCapsIn(grants, registry);
    if (system.length) out.set(e.file.relPath, system);
  }
  return out;
}

/**
 * kiwi init [--project p] [--user-space u] [--force] [--json] — puts the core `.ai/` bundle (AGENTS.md,
 * directives, tools with the capability definitions, knowledge) into the project and makes sure the user
 * space and its signing key exist. Idempotent: identical files are left alone; a file the user changed
 * is reported and kept unless --force. Copies keep the core key's signatures, so they verify in the
 * project; init checks that they do and re-signs with the user's key any that would not.
 */
export async function initCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...kernelOptions, force: { type: "boolean", default: false } },
  });
  const project = projectFrom(values, io);
  await mkdir(project, { recursive: true });
  const expectedUser = userSpaceFrom(values, io);
  const hadKey = existsSync(join(expectedUser, "keys", "signing.key"));
  const kernel = await kernelFrom(values, io);
  const key = await kernel.signingKey();
  const keyCreated = kernel.userSpace === expectedUser ? !hadKey : undefined;
  const core = kernel.spaces.find((s) => s.kind === "core")?.root;
  if (!core) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: "no bundled core space was found: reinstall @kiwi/cli (its @kiwi/kernel ships bundle/.ai)",
    });
  }
  const target = join(kernel.projectRoot, ".ai");
  // The project space itself; a `.ai` that is already there (even a link, as the kernel allows) is used as is.
  if (!existsSync(target))
    ensureDirInRootSync({ root: kernel.projectRoot, rel: ".ai", systemCaps: ["item.sign"] });
  const manifestFile = join(target, INIT_MANIFEST);
  // A manifest that is missing or not a regular file (a FIFO is refused at once) counts as empty.
  const manifestBytes = await readRegularFileIfExists(manifestFile, { maxBytes: MAX_FILE_BYTES }).catch(
    () => undefined,
  );
  const manifest = JSON.parse(manifestBytes?.bytes.toString("utf8") ?? '{"files":{}}') as {
    files: Record<string, string>;
  };
  const keep = await coreOnly(kernel, await kernel.inventory());

  const files: InitFile[] = [];
  const written: string[] = [];
  for (const path of await bundleFiles(core)) {
    const system = keep.get(path);
    if (system) {
      files.push({
        path,
        status: "kept_in_core",
        reason: `grants system-only ${system.join(", ")}: only the bundled core copy may, and a project copy would shadow it`,
      });
      continue;
    }
    const dest = join(target, ...path.split("/"));
    if (relative(target, dest).startsWith(`..${sep}`)) continue; // never, from a listing; belt and braces
    const { bytes } = await readRegularFile(join(core, ...path.split("/")), { maxBytes: MAX_FILE_BYTES });
    const existing = await readIfFile(dest);
    let status: InitStatus;
    if (!existing) status = "created";
    else if (Buffer.compare(existing, bytes) === 0) status = "up_to_date";
    else if (manifest.files[path] === sha256(existing)) status = "updated";
    else status = values.force ? "overwritten" : "skipped_modified";
    if (status === "created" || status === "updated" || status === "overwritten") {
      await writeAtomic(target, path, bytes);
      written.push(path);
    }
    if (status !== "skipped_modified") manifest.files[path] = sha256(bytes);
    files.push({ path, status });
  }
  if (written.length) {
    await writeAtomic(target, INIT_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  }
  const check = await verifyCopies(kernel, new Set(written));

  const count = (s: InitStatus) => files.filter((f) => f.status === s).length;
  if (values.json) {
    printJson(io, {
      success: check.failed.length === 0,
      project: kernel.projectRoot,
      user_space: kernel.userSpace,
      signing_key: { key_id: key.keyId, created: keyCreated ?? null },
      core,
      up_to_date: written.length === 0,
      files,
      verified: check.verified,
      resigned: check.resigned,
      failed: check.failed,
    });
    return check.failed.length ? EXIT.failed : EXIT.ok;
  }
  print(io, `kiwi init ${kernel.projectRoot}`);
  print(
    io,
    `  user space  ${kernel.userSpace} (signing key ${key.keyId}${keyCreated === true ? ", created now" : keyCreated === false ? ", already there" : ""})`,
  );
  print(io, `  core bundle ${core}`);
  for (const f of files) {
    if (f.status === "up_to_date") continue;
    const label = {
      created: "created",
      updated: "updated",
      overwritten: "overwritten (--force)",
      skipped_modified: "skipped: you changed it (kiwi init --force replaces it with the bundle's copy)",
      kept_in_core: `not copied: ${f.reason}`,
      up_to_date: "",
    }[f.status];
    print(io, `  .ai/${f.path}: ${label}`);
  }
  for (const r of check.resigned) print(io, `  .ai/${r}: re-signed with your key ${key.keyId}`);
  for (const f of check.failed) print(io, `  ✗ .ai/${f.path}: ${f.code} ${f.message}`);
  const skipped = count("skipped_modified");
  if (written.length === 0) {
    print(
      io,
      `up to date: ${count("up_to_date")} files match the bundle, nothing written${skipped ? `, ${skipped} of yours kept` : ""}`,
    );
  } else {
    print(
      io,
      `${count("created")} created, ${count("updated")} updated, ${count("overwritten")} overwritten, ${count("up_to_date")} up to date, ${skipped} skipped; ${check.verified} copies verify in the project space (signed by the Kiwi core key)`,
    );
  }
  return check.failed.length ? EXIT.failed : EXIT.ok;
}

/**
 * Every item init wrote must verify where it now lives. The core key is in the kernel's keyring for every
 * space, so copies verify as they are (without core status, which comes only from the bundled space); if
 * a copy does not, it is re-signed with the user's key — the same decision `kiwi sign` records.
 */
async function verifyCopies(kernel: Kernel, written: ReadonlySet<string>) {
  const resigned: string[] = [];
  const failed: { path: string; code: string; message: string }[] = [];
  let verified = 0;
  if (written.has("AGENTS.md")) {
    try {
      await kernel.systemPrompt();
      verified += 1;
    } catch {
      const signed = await kernel.signSystemPrompt("project");
      if (signed.success) resigned.push("AGENTS.md");
      else failed.push({ path: "AGENTS.md", code: signed.error.code, message: signed.error.message });
    }
  }
  for (const e of await kernel.inventory()) {
    if (e.space.kind !== "project" || !written.has(e.file.relPath)) continue;
    if (!e.problem) {
      verified += 1;
      continue;
    }
    const id = e.category ? `${e.category}/${e.id}` : e.id;
    const signed = await kernel.execute({ item_type: e.itemType, action: "sign", item_id: id });
    if (signed.success) resigned.push(e.file.relPath);
    else failed.push({ path: e.file.relPath, code: signed.error.code, message: signed.error.message });
  }
  return { verified, resigned, failed };
}
