import { prepareWriteInRoot } from "@kiwi/sandbox";
import { sinkPathError } from "./sink-path-error";
import { SINK_SYSTEM_CAPS, sinkRequest } from "./sink-path-policy";

/** Where a sink file will be opened: its absolute path under the real project root. */
export interface ResolvedSinkPath {
  /** Absolute path; every folder on it is a real directory inside the project. */
  readonly file: string;
  /** The folder holding `file` (a real path). */
  readonly dir: string;
  /** Folders this call created, outermost first (their parents get fsynced on close). */
  readonly created: readonly string[];
}

/**
 * Confines a sink file to the project, for sinks that open the file themselves: the sink's own rule
 * first (no NUL, absolute path or `..` segment: sinkRequest), then Kiwi's one sandbox (@kiwi/sandbox):
 * the path must lead exactly where it reads — a folder on it that is a symlink (or became one since the
 * kernel checked the path, which it passes resolved) is refused (`link_in_path`) —, missing folders are
 * created one at a time after their parent was checked, a final symlink is refused, protected paths
 * other than thread folders are refused. The project root itself may be reached through a symlink
 * (`/tmp` → `/private/tmp`). Open the file with O_NOFOLLOW as well (file_sink goes through the sandbox's
 * anchored openFdInRoot).
 */
export async function resolveSinkPath(projectRoot: string, path: string): Promise<ResolvedSinkPath> {
  const rel = sinkRequest(path);
  try {
    const prepared = await prepareWriteInRoot({
      root: projectRoot,
      rel,
      createParents: true,
      systemCaps: SINK_SYSTEM_CAPS,
    });
    return { file: prepared.abs, dir: prepared.parent, created: prepared.created };
  } catch (error) {
    throw sinkPathError(path, error);
  }
}
