/**
 * The known name a typo most likely meant (`requires_all` → `requires`, `pat` → `path`), or undefined.
 * Used only to word a fix: the unknown name is refused either way.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const distance = editDistance(lower, c);
    // A prefix relation (executor → executor_id) counts as close whatever the length difference.
    const related = c.length >= 3 && lower.length >= 3 && (c.startsWith(lower) || lower.startsWith(c));
    const score = related ? Math.min(distance, 1) : distance;
    if (score <= Math.max(1, Math.floor(c.length / 3)) && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Edit distance counting a swap of two neighbours as one edit (`nmae` → `name`); names are short. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const above = rows[i - 1] ?? [];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
