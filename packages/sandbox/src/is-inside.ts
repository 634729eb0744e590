import { sep } from "node:path";

/**
 * Containment on whole path components: `root` itself or something below it. A bare `startsWith(root)`
 * would let `/w/proj2` pass for `/w/proj` (CVE-2025-53110).
 */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}
