import { closeSync, fchmodSync } from "node:fs";
import { type OpenedFd, openFdInRoot, resolveInRoot } from "@kiwi/sandbox";
import { sinkPathError } from "./sink-path-error";
import { SINK_SYSTEM_CAPS, sinkRequest } from "./sink-path-policy";

/**
 * Opens a sink file through the sandbox (openFileInRoot of @kiwi/sandbox): the sink's own path rule,
 * then resolution inside the project, parents checked before they are created, an O_NOFOLLOW |
 * O_NONBLOCK open through the anchored folder, and the opened file proven to be a regular file with a
 * single link inside the project. Truncation (append: false) happens only after those checks. `size`
 * is the length to roll back to when a later write fails halfway. A stream record holds what a model or
 * a process said, so it is the person's alone: new files get mode 0600 and new folders 0700, and an
 * existing file that others may read is narrowed to 0600 when it is opened.
 */
export async function openSinkFile(options: {
  projectRoot: string;
  path: string;
  append: boolean;
}): Promise<OpenedFd> {
  const { projectRoot: root, path, append } = options;
  const requested = sinkRequest(path);
  const open = (rel: string) =>
    openFdInRoot({
      root,
      rel,
      append,
      mode: 0o600,
      dirMode: 0o700,
      createParents: true,
      systemCaps: SINK_SYSTEM_CAPS,
    });
  try {
    let opened: OpenedFd;
    try {
      // sinkRequest already spelled the path canonically (no `.`, `..` or doubled slash), so unless a
      // folder on it is a link the sandbox's own walk (openFdInRoot re-resolves and requires the
      // canonical form) is the only one needed; a path through a link is resolved first, then opened.
      opened = await open(requested);
    } catch (error) {
      if ((error as { context?: { reason?: unknown } })?.context?.reason !== "not_canonical") throw error;
      opened = await open((await resolveInRoot({ root, requested, op: "write" })).rel);
    }
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
