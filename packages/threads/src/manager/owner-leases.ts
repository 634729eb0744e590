import { KiwiError } from "@kiwi/spec";
import type { Fence, ThreadLease, ThreadStore } from "../store/thread-store";

/**
 * The fenced leases a manager holds on the threads it runs, as one owner (a worker's name): taken when a
 * thread is spawned or resumed, renewed while it runs, given up when it ends. A renewal refused with
 * LEASE_LOST (another owner took the thread) is reported to `lost`.
 */
export class OwnerLeases {
  readonly owner: string | undefined;
  readonly ttlMs: number;
  readonly #store: ThreadStore;
  readonly #lost: (threadId: string, error: KiwiError) => void;
  readonly #held = new Map<string, ThreadLease>();
  /** Leases held by the host (a worker's engine): used as fences, never renewed nor released here. */
  readonly #borrowed = new Set<string>();
  /**
   * The tokens of leases lost to another owner: a lost thread's late writes (an aborted step's outcome, an
   * event still queued) stay fenced with its old token, so the store refuses them.
   */
  readonly #lostTokens = new Map<string, number>();

  constructor(
    store: ThreadStore,
    owner: string | undefined,
    ttlMs: number,
    lost: (threadId: string, error: KiwiError) => void,
  ) {
    this.#store = store;
    this.owner = owner;
    this.ttlMs = ttlMs;
    this.#lost = lost;
  }

  get size(): number {
    return this.#held.size;
  }

  has(threadId: string): boolean {
    return this.#held.has(threadId);
  }

  /** The token a thread's writes are fenced with (undefined: no lease held here). */
  fence(threadId: string): Fence | undefined {
    const lease = this.#held.get(threadId);
    if (lease) return { token: lease.token };
    const lost = this.#lostTokens.get(threadId);
    return lost === undefined ? undefined : { token: lost };
  }

  /** Takes the thread's lease for the owner (nothing without one): THREAD_OWNED while another's holds. */
  async acquire(threadId: string): Promise<void> {
    if (this.owner === undefined) return;
    const lease = await this.#store.acquireLease(threadId, { owner: this.owner, ttlMs: this.ttlMs });
    this.#held.set(threadId, lease);
    this.#lostTokens.delete(threadId);
  }

  /**
   * Runs the thread under a lease the host already holds (one lease, one token for the host and the
   * manager): its writes are fenced with it; the host renews and releases it, and tells the manager when
   * it is lost (`ThreadManager.writeFailed` with LEASE_LOST).
   */
  adopt(threadId: string, lease: ThreadLease): void {
    if (lease?.thread_id !== threadId || !Number.isInteger(lease.token)) {
      throw new KiwiError({
        code: "INVALID_INPUT",
        message: `the lease given for thread ${threadId} is not a lease on it (acquireLease's result)`,
        context: { thread_id: threadId },
      });
    }
    this.#held.set(threadId, lease);
    this.#borrowed.add(threadId);
    this.#lostTokens.delete(threadId);
  }

  /**
   * Forgets a lease that was lost (nothing is written): not renewed nor released any more, but its token
   * still fences the thread's writes (refused, as the store has a newer one) until the thread is taken again.
   */
  forget(threadId: string): void {
    const lease = this.#held.get(threadId);
    if (lease) this.#lostTokens.set(threadId, lease.token);
    this.#held.delete(threadId);
    this.#borrowed.delete(threadId);
  }

  /** Gives the lease up (a borrowed one stays its host's); a failure only lets it expire. */
  async release(threadId: string): Promise<void> {
    const lease = this.#held.get(threadId);
    const borrowed = this.#borrowed.delete(threadId);
    this.#held.delete(threadId);
    if (lease && !borrowed) await Promise.resolve(this.#store.releaseLease(lease)).catch(() => undefined);
  }

  /** Renews every lease held; a lost one goes to `lost`, an unreachable store is tried again next time. */
  async renew(): Promise<void> {
    for (const [id, lease] of [...this.#held]) {
      if (this.#borrowed.has(id)) continue;
      try {
        const renewed = await this.#store.renewLease(lease, { ttlMs: this.ttlMs });
        if (this.#held.get(id) === lease) this.#held.set(id, renewed);
      } catch (error) {
        if (KiwiError.isInstance(error) && error.code === "LEASE_LOST") this.#lost(id, error);
      }
    }
  }
}
