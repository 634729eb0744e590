/** One line without its terminator; `truncated` when the line was longer than the bound and was cut. */
export interface SplitLine {
  bytes: Buffer;
  truncated: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

/** Cuts at `max` bytes but never inside a UTF-8 sequence, so the kept part still decodes cleanly. */
function cutAtCharBoundary(bytes: Buffer, max: number): Buffer {
  let cut = max;
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return bytes.subarray(0, cut);
}

/**
 * Splits a byte stream into lines on \n (a \r before it is dropped, so \r\n works), whatever the chunk
 * boundaries. Memory stays bounded: a line longer than `maxLineBytes` keeps only its first bytes and the
 * rest is skipped until the next \n. Works on bytes, not strings, so a multi-byte character split across
 * chunks is never decoded in halves.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private overflow = false;
  private readonly capacity: number;

  constructor(private readonly maxLineBytes: number) {
    // One extra byte leaves room for the \r of a \r\n line that is exactly maxLineBytes long.
    this.capacity = maxLineBytes + 1;
  }

  /** Feeds a chunk; returns the lines it completed, in order. */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.add(chunk.subarray(start));
        return lines;
      }
      this.add(chunk.subarray(start, newline));
      lines.push(this.take());
      start = newline + 1;
    }
  }

  /** The unterminated last line, if any (call once the stream has ended). */
  flush(): SplitLine | undefined {
    if (this.size === 0 && !this.overflow) return undefined;
    return this.take();
  }

  private add(part: Buffer): void {
    if (part.length === 0 || this.overflow) return;
    const room = this.capacity - this.size;
    if (part.length > room) {
      this.parts.push(part.subarray(0, room));
      this.size += room;
      this.overflow = true;
      return;
    }
    this.parts.push(part);
    this.size += part.length;
  }

  private take(): SplitLine {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    let truncated = this.overflow;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR && !truncated) bytes = bytes.subarray(0, -1);
    if (bytes.length > this.maxLineBytes) {
      bytes = cutAtCharBoundary(bytes, this.maxLineBytes);
      truncated = true;
    }
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    return { bytes, truncated };
  }
}
