import { closeSync, fchmodSync } from "node:fs";
import { type OpenedFd, openFdInRoot } from "@kiwi/sandbox";
import { sinkPathError } from "./sink-path-error";
import { SINK_SYSTEM_CAPS, sinkRequest } from "./sink-path-policy";

/**
 * Opens a sink file through the sandbox (openFdInRoot of @kiwi/sandbox): the sink's own path rule, then
 * the path taken as the canonical project-relative path it must be — re-resolved and required to lead
 * exactly there, so a folder on it that is (or became, since a guard checked the path) a symlink is
 * refused (`link_in_path`) rather than followed to a path nobody checked — the protected-path check,
 * parents checked before they are created, an O_NOFOLLOW | O_NONBLOCK open through the anchored folder,
 * and the opened file proven to be a regular file with a single link inside the project. Truncation
 * (append: false) happens only after those checks. `size` is the length to roll back to when a later
 * write fails halfway. A stream record holds what a model or a process said, so it is the person's
 * alone: new files get mode 0600 and new folders 0700, and an existing file that others may read is
 * narrowed to 0600 when it is opened.
 */
export async function openSinkFile(options: {
  projectRoot: string;
  path: string;
  append: boolean;
}): Promise<OpenedFd> {
  const { projectRoot: root, path, append } = options;
  const rel = sinkRequest(path);
  try {
    // sinkRequest spells the path canonically (no `.`, `..` or doubled slash); the sandbox resolves it
    // again and refuses it (not_canonical) when a link on it leads anywhere else.
    const opened = await openFdInRoot({
      root,
      rel,
      append,
      mode: 0o600,
      dirMode: 0o700,
      createParents: true,
      systemCaps: SINK_SYSTEM_CAPS,
    });
    try {
      if ((opened.mode & 0o077) !== 0) fchmodSync(opened.fd, opened.mode & 0o700);
    } catch (cause) {
      closeSync(opened.fd);
      throw cause;
    }
    return opened;
  } catch (error) {
    throw sinkPathError(path, error);
  }
}
