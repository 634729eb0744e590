import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { readCapped } from "../spaces/directory-space";
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
  const { module, definitionFile, spaceRoot } = options;
  const target = resolve(dirname(definitionFile), module);
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw new KiwiError({
      code: "PLUGIN_LOAD_FAILED",
      message: `module '${module}' named by ${definitionFile} does not exist`,
      context: { file: definitionFile, module },
    });
  }
  const root = await realpath(spaceRoot);
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
  const { module, definitionFile, spaceRoot, maxBytes } = options;
  const known = attachmentsWithoutIo(module);
  if (known || !module) return known ?? [];
  // A path module: its bytes are signed with the YAML.
  if (!spaceRoot) {
    throw new KiwiError({
      code: "PLUGIN_LOAD_FAILED",
      message: `${definitionFile} names a path module but its space has no folder`,
      context: { file: definitionFile, module },
    });
  }
  const { file, relToSpace } = await resolvePathModule({ module, definitionFile, spaceRoot });
  return [{ label: `module:${relToSpace}`, bytes: await readCapped(file, maxBytes * 16, file) }];
}
