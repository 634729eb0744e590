/** The `code` of a Node file-system error (`ENOENT`, `ELOOP`, …), or undefined. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
