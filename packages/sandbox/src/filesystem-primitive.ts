import type { CapabilityGuard } from "@kiwi/capabilities";
import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import { deleteInRoot } from "./delete-in-root";
import { listDirInRoot } from "./list-dir-in-root";
import { readFileInRoot } from "./read-file-in-root";
import { resolveInRoot } from "./resolve-in-root";
import { writeFileInRoot } from "./write-file-in-root";

const OPS = { read: "fs.read", list: "fs.read", write: "fs.write", delete: "fs.delete" } as const;
type Op = keyof typeof OPS;

function invalid(field: string, message: string): KiwiError {
  return new KiwiError({
    code: "INVALID_INPUT",
    message: `filesystem: config.${field} ${message}`,
    context: { field },
  });
}

function num(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
    throw invalid(field, "must be a positive integer");
  return n;
}

export interface FilesystemPrimitiveOptions {
  /** Checks each call's capability token against the canonical path; without one, only the sandbox applies. */
  readonly guard?: CapabilityGuard;
  /** Most entries a listing returns (default 1000); `truncated` says when there were more. */
  readonly maxEntries?: number;
}

/**
 * `filesystem`: read, write, list and delete inside the pinned project. Every path goes through the
 * sandbox (syntax, `..`, realpath with symlinks followed, special files, protected paths) and, when a
 * guard is configured, through the call's capability token (fs.read / fs.write / fs.delete scoped to the
 * canonical path). Writes are atomic (temp file + rename) and never go through a link. It exists because
 * `cat` and shell redirection cannot give those guarantees.
 */
export function createFilesystemPrimitive(options: FilesystemPrimitiveOptions = {}): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "filesystem",
    description: "Sandboxed file read, write, list and delete inside the project.",
    async run({ config, context }) {
      const op = config.operation;
      if (typeof op !== "string" || !Object.hasOwn(OPS, op))
        throw invalid("operation", "must be read, write, list or delete");
      const requested = config.path;
      if (typeof requested !== "string") throw invalid("path", "must be a string");
      const root = context.projectRoot;
      const listRoot = op === "list" && (requested === "" || requested === ".");
      const rel = listRoot ? "" : (await resolveInRoot({ root, requested, op: op as Op })).rel;
      const systemCaps = options.guard
        ? await options.guard.checkPath({
            meta: context.meta,
            cap: OPS[op as Op],
            rel,
            write: op === "write" || op === "delete",
          })
        : [];
      switch (op as Op) {
        case "read": {
          const bytes = await readFileInRoot({
            root,
            rel,
            maxBytes: num(config.max_bytes, "max_bytes", 1024 * 1024),
            systemCaps,
          });
          return { success: true, path: rel, bytes: bytes.length, content: bytes.toString("utf8") };
        }
        case "write": {
          if (typeof config.content !== "string") throw invalid("content", "must be a string");
          const written = await writeFileInRoot({
            root,
            rel,
            bytes: config.content,
            createParents: true,
            systemCaps,
          });
          return { success: true, path: written.rel, bytes_written: written.bytes };
        }
        case "list": {
          const recursive = config.recursive === true || config.recursive === "true";
          const listing = await listDirInRoot({
            root,
            rel,
            recursive,
            maxEntries: options.maxEntries ?? 1000,
            systemCaps,
          });
          return { success: true, path: rel, entries: listing.entries, truncated: listing.truncated };
        }
        case "delete": {
          const removed = await deleteInRoot({ root, rel, systemCaps });
          return { success: true, path: removed.rel, removed: removed.removed };
        }
      }
    },
  };
}
