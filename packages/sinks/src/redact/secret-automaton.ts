/**
 * An Aho–Corasick automaton over the secrets' forms, for text that arrives in pieces. Feeding characters
 * one by one, the state after each is the longest suffix of everything fed that is still the start of
 * some form (`depth`), and `longest` says whether a form — the longest one — ends right there. So a
 * stream needs to hold back only the last `depth(state)` characters: nothing before them can be part of
 * a secret that is still to come.
 */
export class SecretAutomaton {
  /** `next[s]` maps a UTF-16 code unit to the child state. */
  readonly #next: Map<number, number>[] = [new Map()];
  readonly #fail: number[] = [0];
  readonly #depth: number[] = [0];
  /** Length of the longest form ending at this state (through failure links), 0 for none. */
  readonly #out: number[] = [0];

  constructor(forms: readonly string[]) {
    for (const form of forms) this.#insert(form);
    this.#link();
  }

  #insert(form: string): void {
    let s = 0;
    for (let i = 0; i < form.length; i++) {
      const c = form.charCodeAt(i);
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

  /** Breadth-first: failure links, and the longest output reachable through them. */
  #link(): void {
    const queue: number[] = [];
    for (const t of this.#next[0]!.values()) queue.push(t);
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      for (const [c, t] of this.#next[s]!) {
        let f = this.#fail[s]!;
        while (f !== 0 && !this.#next[f]!.has(c)) f = this.#fail[f]!;
        const g = this.#next[f]!.get(c);
        this.#fail[t] = g !== undefined && g !== t ? g : 0;
        this.#out[t] = Math.max(this.#out[t]!, this.#out[this.#fail[t]!]!);
        queue.push(t);
      }
    }
  }

  /** The state after reading code unit `c` in state `s`. */
  step(s: number, c: number): number {
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
