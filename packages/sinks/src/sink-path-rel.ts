import { resolveInRoot } from "@kiwi/sandbox";
import { sinkPathError } from "./sink-path-error";
import { sinkRequest } from "./sink-path-policy";

/**
 * The canonical project-relative file a sink's `path` names, without touching the disk beyond reading
 * it: the sink's own path rule, then the sandbox's resolution through links. What a guard checks against
 * the caller's `fs.write` scope and the protected paths before the sink opens (the kernel does, for every
 * destination whose sink requires `fs.write`). Refusals are the sink's own (`PATH_OUTSIDE_PROJECT` …).
 */
export async function sinkPathRel(projectRoot: string, path: string): Promise<string> {
  const requested = sinkRequest(path);
  try {
    return (await resolveInRoot({ root: projectRoot, requested, op: "write" })).rel;
  } catch (error) {
    throw sinkPathError(path, error);
  }
}
