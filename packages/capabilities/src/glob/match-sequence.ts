/** The whole-segment `**` marker, matching zero or more segments. */
export const GLOBSTAR = "**";

/**
 * Matches a sequence of segment patterns, some of them `**`, against a sequence of items, where each
 * non-`**` pattern element consumes exactly one item when `matchOne` accepts it.
 *
 * The same left-most greedy argument as inside a segment applies one level up: the groups between `**`
 * are placed left-most in turn, the first group is anchored at the start and the last at the end. This
 * is O(items × pattern) and never backtracks, however many `**` the pattern has. It serves both
 * `matchPath` (items are path segments) and `isSubPattern` (items are the child's segment patterns).
 */
export function matchSequence<P, T>(
  pattern: readonly (P | typeof GLOBSTAR)[],
  items: readonly T[],
  matchOne: (element: P, item: T) => boolean,
): boolean {
  const groups: P[][] = [[]];
  for (const element of pattern) {
    if (element === GLOBSTAR) groups.push([]);
    else groups[groups.length - 1]?.push(element);
  }
  const matchesAt = (group: readonly P[], start: number): boolean =>
    group.every((element, i) => matchOne(element, items[start + i] as T));

  const head = groups[0] ?? [];
  if (groups.length === 1) return head.length === items.length && matchesAt(head, 0);

  const tail = groups[groups.length - 1] ?? [];
  const tailStart = items.length - tail.length;
  if (head.length > tailStart || !matchesAt(head, 0) || !matchesAt(tail, tailStart)) return false;

  let pos = head.length;
  for (const group of groups.slice(1, -1)) {
    let found = -1;
    for (let start = pos; start + group.length <= tailStart; start++) {
      if (matchesAt(group, start)) {
        found = start;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + group.length;
  }
  return true;
}
