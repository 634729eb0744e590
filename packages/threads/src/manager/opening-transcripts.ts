import { KiwiError } from "@kiwi/spec";

/** How opening a thread's transcript ended: its writer, or the error that ends the thread unstarted. */
export type Opened<W> =
  | { readonly ok: true; readonly writer: W }
  | { readonly ok: false; readonly error: KiwiError };

/**
 * Transcripts being opened off `spawn`'s path (their folder made, the file opened in the background):
 * a thread's writes made meanwhile (`spawned`, a control's `intervention`) wait here and are written, in
 * the order they were made, as soon as its file is open — or to the registry alone when it cannot be.
 */
export class OpeningTranscripts<W> {
  readonly #waiting = new Map<string, (() => void)[]>();
  readonly #opened = new Map<string, Promise<Opened<W>>>();

  /** True while the thread's transcript is being opened. */
  has(threadId: string): boolean {
    return this.#waiting.has(threadId);
  }

  /** Settles once the thread's transcript is open (or could not be); undefined when none is being opened. */
  whenOpen(threadId: string): Promise<Opened<W>> | undefined {
    return this.#opened.get(threadId);
  }

  /**
   * Opens the thread's transcript with `open`; `opened` hears the result before the waiting writes run
   * (so they find the writer). Never rejects: a failure is the result (TRANSCRIPT_UNAVAILABLE unless
   * it carries a Kiwi code).
   */
  open(threadId: string, open: () => Promise<W>, opened: (result: Opened<W>) => void): Promise<Opened<W>> {
    this.#waiting.set(threadId, []);
    const settled = open().then(
      (writer) => this.#settle(threadId, { ok: true, writer }, opened),
      (error: unknown) =>
        this.#settle(
          threadId,
          {
            ok: false,
            error: KiwiError.isInstance(error)
              ? error
              : new KiwiError({
                  code: "TRANSCRIPT_UNAVAILABLE",
                  message: `the thread's transcript could not be opened (${String((error as Error)?.message ?? error)})`,
                  context: { thread_id: threadId },
                  cause: error,
                }),
          },
          opened,
        ),
    );
    this.#opened.set(threadId, settled);
    return settled;
  }

  /** Holds `write` until the thread's transcript is open; false (run it now) when none is being opened. */
  defer(threadId: string, write: () => void): boolean {
    const waiting = this.#waiting.get(threadId);
    if (!waiting) return false;
    waiting.push(write);
    return true;
  }

  #settle(threadId: string, result: Opened<W>, opened: (result: Opened<W>) => void): Opened<W> {
    const waiting = this.#waiting.get(threadId) ?? [];
    opened(result);
    // Gone before the waiting writes run: each now writes for real, in the order it was made.
    this.#waiting.delete(threadId);
    this.#opened.delete(threadId);
    for (const write of waiting) {
      try {
        write();
      } catch (error) {
        // A write that fails now would have thrown to its caller then; the thread goes on without it.
        process.emitWarning(
          `a deferred transcript write of thread ${threadId} failed (${KiwiError.isInstance(error) ? error.code : "INTERNAL_ERROR"})`,
          "KiwiThreadStore",
        );
      }
    }
    return result;
  }
}
