import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface WriteBodyOptions {
  readonly res: ServerResponse;
  /** Body pieces in order: SSE frames, or the one JSON text of a non-streaming answer. */
  readonly frames: readonly string[];
  readonly delayMs: number;
  /** Destroy the socket once this many body bytes were written (see FakeTurn.drop_after_bytes). */
  readonly dropAfterBytes: number | undefined;
  /** Aborted when the server closes: stop waiting and writing. */
  readonly signal: AbortSignal;
}

/**
 * Writes the body frame by frame, honouring delays, and either ends the response or, with a byte
 * budget, cuts the connection at exactly that byte. Resolves once done; never rejects.
 */
export async function writeBody(options: WriteBodyOptions): Promise<void> {
  const { res, frames, delayMs, dropAfterBytes, signal } = options;
  let written = 0;
  for (const [i, frame] of frames.entries()) {
    if (i > 0 && delayMs > 0) {
      const waited = await sleep(delayMs, true, { signal }).catch(() => false);
      if (!waited) return destroy(res);
    }
    if (res.destroyed || signal.aborted) return;
    let bytes = Buffer.from(frame, "utf8");
    const budget = dropAfterBytes === undefined ? Number.POSITIVE_INFINITY : dropAfterBytes - written;
    const cut = bytes.length >= budget;
    if (cut) bytes = bytes.subarray(0, Math.max(0, budget));
    if (bytes.length > 0 && !(await writeChunk(res, bytes))) return;
    written += bytes.length;
    if (cut) return cutConnection(res);
  }
  if (dropAfterBytes !== undefined) return cutConnection(res);
  res.end();
}

function writeChunk(res: ServerResponse, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => resolve(false);
    res.once("close", onClose);
    res.write(bytes, (error) => {
      res.off("close", onClose);
      resolve(!error);
    });
  });
}

/** Destroys the socket after what was written (headers included) has been handed to the kernel. */
async function cutConnection(res: ServerResponse): Promise<void> {
  const socket = res.socket;
  // Status line and headers always go out (even for a zero-byte budget): the cut is in the body.
  res.flushHeaders();
  if (socket && !socket.destroyed) {
    // An empty write's callback runs after every earlier write on the socket was flushed.
    await new Promise<void>((resolve) => socket.write("", () => resolve()));
  }
  destroy(res);
}

function destroy(res: ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}
