/**
 * Collects one output stream up to `maxBytes` and counts the rest without keeping it: `spawn` has no
 * maxBuffer, so without this a chatty child could grow the parent's memory without bound.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte the stream produced, kept or not. */
  totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  get truncated(): boolean {
    return this.totalBytes > this.kept;
  }

  /** Adds a chunk; returns true when this chunk crossed the cap (the first overflow only). */
  append(chunk: Buffer): boolean {
    const wasTruncated = this.truncated;
    this.totalBytes += chunk.length;
    const room = this.maxBytes - this.kept;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
    }
    return !wasTruncated && this.truncated;
  }

  /** UTF-8 text; invalid or cut sequences become U+FFFD rather than failing. */
  text(): string {
    return Buffer.concat(this.chunks, this.kept).toString("utf8");
  }
}
