import type { ThreadRow } from "../registry/rows";
import type { ThreadStore } from "../store/thread-store";

/**
 * The rows of budget trees on an asynchronous store, kept so budget nodes can read them synchronously:
 * refreshed while threads run (every ~0.5 s) with each live thread's subtree, its ancestors and their
 * children (siblings' reservations), so a child's spend recorded by another process rolls up.
 */
export class StoreTree {
  readonly #store: ThreadStore;
  #rows = new Map<string, ThreadRow>();
  #kids = new Map<string, ThreadRow[]>();

  constructor(store: ThreadStore) {
    this.#store = store;
  }

  row(threadId: string): ThreadRow | undefined {
    return this.#rows.get(threadId);
  }

  children(threadId: string): ThreadRow[] {
    return this.#kids.get(threadId) ?? [];
  }

  /** Reads the trees of these threads again. */
  async refresh(threadIds: Iterable<string>): Promise<void> {
    const rows = new Map<string, ThreadRow>();
    for (const id of new Set(threadIds)) {
      for (const row of await this.#store.subtree(id)) rows.set(row.thread_id, row);
      // The ancestors: their budgets and reservations bound this thread's room.
      let up = rows.get(id)?.parent_id ?? null;
      for (let depth = 0; up !== null && depth < 64 && !rows.has(up); depth += 1) {
        const row = await this.#store.get(up);
        if (!row) break;
        rows.set(up, row);
        for (const child of await this.#store.query({ parentId: up, limit: 1000 }))
          rows.set(child.thread_id, child);
        up = row.parent_id;
      }
    }
    const kids = new Map<string, ThreadRow[]>();
    for (const row of rows.values()) {
      if (row.parent_id === null) continue;
      const list = kids.get(row.parent_id) ?? [];
      list.push(row);
      kids.set(row.parent_id, list);
    }
    this.#rows = rows;
    this.#kids = kids;
  }
}
