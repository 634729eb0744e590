import { randomBytes } from "node:crypto";
import { open, stat, unlink } from "node:fs/promises";
import { sep } from "node:path";
import { errnoOf } from "./errno-of";

const cache = new Map<string, Promise<boolean>>();

/**
 * Whether the file system holding `realRoot` ignores case, probed once per root (as git's t0050 does):
 * create a lower-case temp file, stat its upper-case name, remove it. If the probe cannot run (read-only
 * root, permissions) the answer is `true`, so protected-path checks fold case: over-protecting is safe.
 */
export function probeCaseInsensitive(realRoot: string): Promise<boolean> {
  let answer = cache.get(realRoot);
  if (answer === undefined) {
    answer = probe(realRoot);
    cache.set(realRoot, answer);
  }
  return answer;
}

async function probe(realRoot: string): Promise<boolean> {
  const name = `.kiwi-case-probe-${randomBytes(6).toString("hex")}`;
  const lower = `${realRoot}${sep}${name}`;
  let created = false;
  try {
    await (await open(lower, "wx", 0o600)).close();
    created = true;
    await stat(`${realRoot}${sep}${name.toUpperCase()}`);
    return true;
  } catch (error) {
    return !(created && errnoOf(error) === "ENOENT");
  } finally {
    if (created) await unlink(lower).catch(() => undefined);
  }
}
