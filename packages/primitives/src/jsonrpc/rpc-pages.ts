import { KiwiError } from "@kiwi/spec";

/**
 * A paginated request of an rpc sequence (MCP's `tools/list`): while an answer carries a cursor
 * (`result[next]`), the same request is sent again with `params[param]` set to it, in the same session,
 * and the `list` arrays of every page are joined into one answer. Bounded: more than `maxPages` pages,
 * more than `maxItems` elements or a cursor seen before (a server that loops) fail the step with
 * RPC_PAGE_LIMIT instead of paging for ever.
 */
export interface RpcPages {
  readonly list: string;
  readonly next: string;
  readonly param: string;
  readonly maxPages: number;
  readonly maxItems: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const UNSAFE = new Set(["__proto__", "constructor", "prototype"]);
export const DEFAULT_MAX_PAGES = 50;
export const DEFAULT_MAX_ITEMS = 5_000;
const MAX_CURSOR_CHARS = 4_096;

function invalid(field: string, problem: string): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message: `rpc ${field} ${problem}`, context: { field } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bound(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
    throw invalid(field, `must be a whole number from 1 to ${max}`);
  return value;
}

/** Reads `pages: {list, next?, param?, max_pages?, max_items?}` of one rpc step (MCP's names by default). */
export function readRpcPages(field: string, value: unknown): RpcPages {
  if (!isRecord(value))
    throw invalid(field, "must be an object {list, next?, param?, max_pages?, max_items?}");
  const unknown = Object.keys(value).filter(
    (k) => !["list", "next", "param", "max_pages", "max_items"].includes(k),
  );
  if (unknown.length) throw invalid(field, `has unknown field(s) ${unknown.join(", ")}`);
  const name = (key: "list" | "next" | "param", fallback?: string): string => {
    const v = value[key] ?? fallback;
    if (typeof v !== "string" || !NAME.test(v) || UNSAFE.has(v))
      throw invalid(`${field}.${key}`, "must be a plain field name");
    return v;
  };
  return {
    list: name("list"),
    next: name("next", "nextCursor"),
    param: name("param", "cursor"),
    maxPages: bound(`${field}.max_pages`, value.max_pages, DEFAULT_MAX_PAGES, 1_000),
    maxItems: bound(`${field}.max_items`, value.max_items, DEFAULT_MAX_ITEMS, 100_000),
  };
}

function pageLimit(method: string, reason: string, message: string, extra: Record<string, unknown> = {}) {
  return new KiwiError({
    code: "RPC_PAGE_LIMIT",
    message: `"${method}": ${message}`,
    context: { method, reason, ...extra },
  });
}

/**
 * Joins the pages of one paginated request. `add` takes each page's result and returns the params of the
 * next request, or undefined when the list is complete (then `result` is the joined answer).
 */
export class PageCollector {
  readonly #pages: RpcPages;
  readonly #method: string;
  readonly #items: unknown[] = [];
  readonly #cursors = new Set<string>();
  #first: Record<string, unknown> | undefined;
  #count = 0;

  constructor(pages: RpcPages, method: string) {
    this.#pages = pages;
    this.#method = method;
  }

  add(result: unknown, params: unknown): Record<string, unknown> | undefined {
    const { list, next, param, maxPages, maxItems } = this.#pages;
    if (!isRecord(result) || !Array.isArray(result[list])) {
      throw new KiwiError({
        code: "JSONRPC_ERROR",
        message: `"${this.#method}": page ${this.#count + 1} has no "${list}" list`,
        context: { method: this.#method, reason: "not_a_page" },
      });
    }
    this.#count += 1;
    this.#first ??= result;
    const page = result[list] as unknown[];
    if (this.#items.length + page.length > maxItems) {
      throw pageLimit(
        this.#method,
        "too_many_items",
        `the list has more than ${maxItems} entries, more than Kiwi takes`,
        {
          max_items: maxItems,
        },
      );
    }
    this.#items.push(...page);
    const cursor = result[next];
    if (cursor === undefined || cursor === null || cursor === "") return undefined;
    if (typeof cursor !== "string" || cursor.length > MAX_CURSOR_CHARS) {
      throw new KiwiError({
        code: "JSONRPC_ERROR",
        message: `"${this.#method}": "${next}" must be a string of at most ${MAX_CURSOR_CHARS} characters`,
        context: { method: this.#method, reason: "bad_cursor" },
      });
    }
    if (this.#cursors.has(cursor))
      throw pageLimit(
        this.#method,
        "cursor_repeated",
        `the server sent a cursor it had sent before (page ${this.#count}): it would page for ever`,
      );
    if (this.#count >= maxPages) {
      throw pageLimit(
        this.#method,
        "too_many_pages",
        `the list goes on past ${maxPages} pages, more than Kiwi takes`,
        {
          max_pages: maxPages,
        },
      );
    }
    this.#cursors.add(cursor);
    return { ...(isRecord(params) ? params : {}), [param]: cursor };
  }

  /** The joined answer: the first page's result with every page's list, and no cursor. */
  result(): Record<string, unknown> {
    const { [this.#pages.next]: _cursor, ...rest } = this.#first ?? {};
    return { ...rest, [this.#pages.list]: this.#items };
  }
}
