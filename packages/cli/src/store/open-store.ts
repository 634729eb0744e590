import { KiwiError } from "@kiwi/spec";
import type { ThreadStore } from "@kiwi/threads";

/** The package that opens `postgres://` stores (loaded only when a command is given one). */
export const POSTGRES_STORE_PACKAGE = "@kiwi/threads-postgres";

/**
 * Loads `@kiwi/threads-postgres` (or its engine entry) on first use: a project that never uses
 * PostgreSQL never loads pg or DBOS. Missing → INVALID_INPUT naming the package to install.
 */
export async function loadPostgres<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw err;
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `a postgres:// thread store needs the ${POSTGRES_STORE_PACKAGE} package, which is not installed next to kiwi: install it (npm install ${POSTGRES_STORE_PACKAGE}, pnpm add ${POSTGRES_STORE_PACKAGE})`,
      context: { package: POSTGRES_STORE_PACKAGE },
    });
  }
}

/** Opens the thread store at `url` (a PostgreSQL URL, checked by `storeUrlOf`). */
export async function openStore(url: string): Promise<ThreadStore> {
  const { PostgresThreadStore } = await loadPostgres(() => import("@kiwi/threads-postgres"));
  return PostgresThreadStore.open({ url });
}

/** Runs `fn` on the store at `url` and closes it afterwards. */
export async function withStore<T>(url: string, fn: (store: ThreadStore) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
