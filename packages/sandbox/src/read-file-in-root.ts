import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { assertOpenedInside } from "./assert-opened-inside";
import { pathError } from "./path-error";
import { resolveForOperation } from "./resolve-for-operation";
import { specialFileError } from "./special-file-error";
import { withPathErrors } from "./with-path-errors";

export interface ReadFileInRootOptions {
  readonly root: string;
  /** Canonical project-relative path, as returned by resolveInRoot. */
  readonly rel: string;
  /** Largest file accepted; bigger ones are refused (FILE_TOO_LARGE), never truncated silently. */
  readonly maxBytes: number;
  /**
   * System capabilities the caller reads with: `.ai/threads/**` (the registry, every thread's
   * transcript) needs `registry.read`. Default none.
   */
  readonly systemCaps?: readonly string[];
}

const CHUNK = 64 * 1024;

/**
 * Reads a regular file inside the project. Opened with O_NOFOLLOW (a link swapped in after validation
 * fails with ELOOP → PATH_OUTSIDE_PROJECT/symlink_escape) and O_NONBLOCK (a FIFO swapped in never
 * blocks); the handle is then checked with fstat (regular file only: PATH_SPECIAL_FILE otherwise) and
 * proven to be inside the root. The size cap holds even if the file grows while being read. Hard links
 * are read like any file (pnpm stores hard-link node_modules legitimately).
 */
export function readFileInRoot(options: ReadFileInRootOptions): Promise<Buffer> {
  return withPathErrors(options.rel, () => readUnchecked(options));
}

async function readUnchecked(options: ReadFileInRootOptions): Promise<Buffer> {
  const { root, rel, maxBytes, systemCaps = [] } = options;
  const target = await resolveForOperation({ root, rel, op: "read", systemCaps });
  if (!target.exists)
    throw pathError("PATH_NOT_FOUND", "not_found", rel, "no such file; check the path with a listing");
  const handle = await open(target.abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (info.isDirectory())
      throw pathError("PATH_INVALID", "is_directory", rel, "the path is a directory; list it or name a file");
    if (!info.isFile()) {
      throw specialFileError(rel);
    }
    assertOpenedInside(handle, target.realRoot, target.abs, rel);
    const tooLarge = () =>
      pathError(
        "FILE_TOO_LARGE",
        "too_large",
        rel,
        `the file is larger than ${maxBytes} bytes; read a smaller file or raise the limit`,
        {
          maxBytes,
        },
      );
    if (info.size > maxBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge();
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
