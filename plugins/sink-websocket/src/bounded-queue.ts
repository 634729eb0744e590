/** FIFO with a size bound: pushing past it drops the oldest items and counts them. */
export class BoundedQueue<T> {
  #items: T[] = [];
  #head = 0;
  dropped = 0;

  constructor(readonly max: number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#trim();
  }

  /** Puts items back in front (they are older than everything queued), then enforces the bound. */
  unshiftAll(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = [...items, ...this.#items.slice(this.#head)];
    this.#head = 0;
    this.#trim();
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head] as T;
    this.#head += 1;
    this.#compact();
    return item;
  }

  /** Consumed slots are released now and then, instead of an O(n) Array#shift on every call. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  #trim(): void {
    const excess = this.length - this.max;
    if (excess > 0) {
      this.#head += excess;
      this.dropped += excess;
      this.#compact();
    }
  }
}
