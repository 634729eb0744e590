/** Above this many table cells (states × character classes) the automaton steps through maps instead. */
const MAX_DENSE_CELLS = 1 << 21;

/**
 * An Aho–Corasick automaton over the secrets' forms, for text that arrives in pieces. Feeding characters
 * one by one, the state after each is the longest suffix of everything fed that is still the start of
 * some form (`depth`), and `longest` says whether a form — the longest one — ends right there. So a
 * stream needs to hold back only the last `depth(state)` characters: nothing before them can be part of
 * a secret that is still to come. The transitions are a dense table over the characters the forms use
 * (a character no form holds always leads back to the start), so a step is two array reads.
 */
export class SecretAutomaton {
  /** `next[s]` maps a UTF-16 code unit to the child state (the trie). */
  readonly #next: Map<number, number>[] = [new Map()];
  readonly #fail: number[] = [0];
  readonly #depth: number[] = [0];
  /** Length of the longest form ending at this state (through failure links), 0 for none. */
  readonly #out: number[] = [0];
  /** Character class of each code unit: 0 for one no form holds. */
  readonly #classOf = new Uint16Array(65536);
  #width = 1;
  #dense: Int32Array | undefined;

  constructor(forms: readonly string[]) {
    for (const form of forms) this.#insert(form);
    this.#link();
  }

  #insert(form: string): void {
    let s = 0;
    for (let i = 0; i < form.length; i++) {
      const c = form.charCodeAt(i);
      if (this.#classOf[c] === 0) this.#classOf[c] = this.#width++;
      let t = this.#next[s]!.get(c);
      if (t === undefined) {
        t = this.#next.length;
        this.#next.push(new Map());
        this.#fail.push(0);
        this.#depth.push(this.#depth[s]! + 1);
        this.#out.push(0);
        this.#next[s]!.set(c, t);
      }
      s = t;
    }
    if (form.length > this.#out[s]!) this.#out[s] = form.length;
  }

  /** Breadth-first: failure links, the longest output reachable through them, and the dense table. */
  #link(): void {
    const states = this.#next.length;
    const width = this.#width;
    const dense = states * width <= MAX_DENSE_CELLS ? new Int32Array(states * width) : undefined;
    const order: number[] = [0];
    for (let head = 0; head < order.length; head++) {
      const s = order[head]!;
      if (dense) {
        // A missing transition is the failure state's (the root's row stays at 0: back to the start).
        if (s !== 0)
          dense.set(dense.subarray(this.#fail[s]! * width, (this.#fail[s]! + 1) * width), s * width);
        for (const [c, t] of this.#next[s]!) dense[s * width + this.#classOf[c]!] = t;
      }
      for (const [c, t] of this.#next[s]!) {
        if (s !== 0) {
          let f = this.#fail[s]!;
          while (f !== 0 && !this.#next[f]!.has(c)) f = this.#fail[f]!;
          const g = this.#next[f]!.get(c);
          this.#fail[t] = g !== undefined && g !== t ? g : 0;
        }
        this.#out[t] = Math.max(this.#out[t]!, this.#out[this.#fail[t]!]!);
        order.push(t);
      }
    }
    this.#dense = dense;
  }

  /** The state after reading code unit `c` in state `s`. */
  step(s: number, c: number): number {
    const k = this.#classOf[c]!;
    if (this.#dense) return this.#dense[s * this.#width + k]!;
    if (k === 0) return 0;
    let state = s;
    for (;;) {
      const t = this.#next[state]!.get(c);
      if (t !== undefined) return t;
      if (state === 0) return 0;
      state = this.#fail[state]!;
    }
  }

  /** How many of the last characters fed may still become a secret. */
  depth(s: number): number {
    return this.#depth[s]!;
  }

  /** The length of the longest form that ends at this state, 0 for none. */
  longest(s: number): number {
    return this.#out[s]!;
  }
}
