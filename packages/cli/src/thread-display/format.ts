// Small text formatters shared by `kiwi thread run` and `kiwi threads …` (no dependencies, plain ANSI).

/** 12345 → "12,345". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** 1234 → "1.2k", 100000 → "100k", 2500000 → "2.5M". */
export function formatShort(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${trimZero((n / 1000).toFixed(n < 10_000 ? 1 : 0))}k`;
  return `${trimZero((n / 1_000_000).toFixed(1))}M`;
}

function trimZero(s: string): string {
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

/** USD with four decimals below one dollar, two above; "<$0.0001" for a spend that rounds to nothing. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.00005) return "<$0.0001";
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** 450 → "450 ms", 4200 → "4.2 s", 125000 → "2m 05s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** `key  value` lines with the keys padded to one width. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

/** A table with a header row; every column padded to its widest cell (the last one is not padded). */
export function columnTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The first line of a text, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max = 100): string {
  const first = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const more = text.trim().includes("\n") ? " …" : "";
  return first.length > max ? `${first.slice(0, max - 1)}…` : `${first}${more}`;
}

/** ANSI styling that is a no-op when colour is off. */
export interface Paint {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const COLOURS: Paint = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  green: sgr(32, 39),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

const same = (s: string) => s;
export const NO_COLOURS: Paint = { bold: same, dim: same, green: same, red: same, yellow: same, cyan: same };

/** Colour on a terminal unless NO_COLOR is set (https://no-color.org). */
export function paintFor(isTty: boolean, env: Readonly<Record<string, string | undefined>>): Paint {
  return isTty && !env.NO_COLOR ? COLOURS : NO_COLOURS;
}

/** Removes ANSI escape sequences (for measuring and for tests). */
export function stripAnsi(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
