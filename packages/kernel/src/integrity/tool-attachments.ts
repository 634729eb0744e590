import { realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { currentIdentity, readCappedIdentified } from "../spaces/directory-space";
import { packageNameOf } from "../spaces/find-package";
import type { SignedAttachment } from "./signed-message";

export function isPathModule(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../");
}

/** Resolves a path module against its definition file and refuses anything outside the space. */
export async function resolvePathModule(options: {
  module: string;
  definitionFile: string;
  spaceRoot: string;
}) {
  return resolvePathModuleSync(options);
}

/**
 * `resolvePathModule`, synchronously: two realpath calls on local paths, cheaper than their thread-pool
 * round trips on every call of a tool.
 */
export function resolvePathModuleSync(options: {
  module: string;
  definitionFile: string;
  spaceRoot: string;
}) {
  const { module, definitionFile, spaceRoot } = options;
  const target = resolve(dirname(definitionFile), module);
  let real: string;
  try {
    real = realpathSync.native(target);
  } catch {
    throw new KiwiError({
      code: "PLUGIN_LOAD_FAILED",
      message: `module '${module}' named by ${definitionFile} does not exist`,
      context: { file: definitionFile, module },
    });
  }
  const root = realpathSync.native(spaceRoot);
  const rel = relative(root, real);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new KiwiError({
      code: "PATH_OUTSIDE_PROJECT",
      message: `module '${module}' named by ${definitionFile} resolves outside its space: keep code modules inside the space's folder`,
      context: { file: definitionFile, module },
    });
  }
  return { file: real, relToSpace: rel.split(sep).join("/") };
}

/**
 * The attachments of a tool that names no module or an installed package: known without any I/O.
 * Undefined for a path module, whose bytes must be read (`toolAttachments`).
 */
export function attachmentsWithoutIo(module: string | undefined): SignedAttachment[] | undefined {
  if (!module) return [];
  if (isPathModule(module)) return undefined;
  // An installed package is pinned by name only: its code and version are the package manager's business
  // (lockfile, integrity hashes), and a release that bumps a version must not invalidate every signature.
  return [{ label: `package:${packageNameOf(module)}`, bytes: new Uint8Array(0) }];
}

/**
 * What a code-bearing tool's signature covers besides the YAML: the bytes of a module that lives in the
 * space, or the name of an installed package (its bytes are the package manager's business).
 */
export async function toolAttachments(options: {
  module: string | undefined;
  definitionFile: string;
  spaceRoot: string | undefined;
  maxBytes: number;
}): Promise<SignedAttachment[]> {
  return toolAttachmentsStamped(options).attachments;
}

/**
 * Which module file a verification read, and its identity when read (device, inode, size, mtime,
 * ctime: see directory-space): while the definition still resolves to that file and the file keeps
 * that identity, its bytes are the bytes that were verified.
 */
export interface ModuleStamp {
  readonly module: string;
  readonly file: string;
  readonly identity: string;
}

/**
 * `toolAttachments`, synchronously, with the stamp of a path module's file when its identity is known
 * (undefined for no module or a package: nothing read, nothing that can change).
 */
export function toolAttachmentsStamped(options: {
  module: string | undefined;
  definitionFile: string;
  spaceRoot: string | undefined;
  maxBytes: number;
}): { attachments: SignedAttachment[]; stamp?: ModuleStamp } {
  const { module, definitionFile, spaceRoot, maxBytes } = options;
  const known = attachmentsWithoutIo(module);
  if (known || !module) return { attachments: known ?? [] };
  // A path module: its bytes are signed with the YAML.
  if (!spaceRoot) {
    throw new KiwiError({
      code: "PLUGIN_LOAD_FAILED",
      message: `${definitionFile} names a path module but its space has no folder`,
      context: { file: definitionFile, module },
    });
  }
  const { file, relToSpace } = resolvePathModuleSync({ module, definitionFile, spaceRoot });
  const { bytes, identity } = readCappedIdentified(file, maxBytes * 16, file);
  const attachments = [{ label: `module:${relToSpace}`, bytes }];
  return identity === undefined ? { attachments } : { attachments, stamp: { module, file, identity } };
}

/**
 * Whether a path module stamped at verification is still the same file with the same identity, for the
 * same definition in the same space. Any doubt (gone, moved, resolves elsewhere, changed) is false, so
 * the caller verifies again and reports what is wrong the usual way.
 */
export function moduleUnchanged(
  stamp: ModuleStamp,
  definitionFile: string,
  spaceRoot: string | undefined,
): boolean {
  if (!spaceRoot) return false;
  try {
    const { file } = resolvePathModuleSync({ module: stamp.module, definitionFile, spaceRoot });
    return file === stamp.file && currentIdentity(file) === stamp.identity;
  } catch {
    return false;
  }
}
