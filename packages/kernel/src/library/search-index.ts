/**
 * Keyword search: BM25 over weighted fields (name, description, category, content). Documents are
 * tokenised once when indexed and addressed by small integers, so a query is one pass over the
 * postings of its terms with array arithmetic, whatever the size of the library.
 */
export interface SearchDocument {
  readonly key: string;
  readonly fields: { name: string; description: string; category: string; content: string };
}

const WEIGHTS = { name: 4, description: 2, category: 1.5, content: 1 } as const;
type Field = keyof typeof WEIGHTS;
const FIELDS = Object.keys(WEIGHTS) as Field[];
const K1 = 1.2;
const B = 0.75;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

interface Indexed {
  key: string;
  length: number;
  /** Weighted term frequency over all fields. */
  tf: Map<string, number>;
  /** Lowercased name + description, for the phrase bonus. */
  haystack: string;
}

export class SearchIndex {
  readonly #slots = new Map<string, number>();
  readonly #docs: (Indexed | undefined)[] = [];
  readonly #free: number[] = [];
  readonly #postings = new Map<string, Map<number, number>>();
  #count = 0;
  #totalLength = 0;

  get size(): number {
    return this.#count;
  }

  upsert(doc: SearchDocument): void {
    this.remove(doc.key);
    const tf = new Map<string, number>();
    let length = 0;
    for (const field of FIELDS) {
      const tokens = tokenize(doc.fields[field]);
      length += tokens.length;
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + WEIGHTS[field]);
    }
    const slot = this.#free.pop() ?? this.#docs.length;
    this.#docs[slot] = {
      key: doc.key,
      length,
      tf,
      haystack: `${doc.fields.name} ${doc.fields.description}`.toLowerCase(),
    };
    this.#slots.set(doc.key, slot);
    for (const [t, f] of tf) {
      const posting = this.#postings.get(t);
      if (posting) posting.set(slot, f);
      else this.#postings.set(t, new Map([[slot, f]]));
    }
    this.#totalLength += length;
    this.#count++;
  }

  remove(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    const old = this.#docs[slot]!;
    for (const t of old.tf.keys()) {
      const posting = this.#postings.get(t);
      posting?.delete(slot);
      if (posting?.size === 0) this.#postings.delete(t);
    }
    this.#totalLength -= old.length;
    this.#count--;
    this.#docs[slot] = undefined;
    this.#slots.delete(key);
    this.#free.push(slot);
  }

  /**
   * Scores every document matching at least one query term and admitted by `filter` (asked once per
   * document). An empty query matches every admitted document with score 0.
   */
  query(text: string, filter?: (key: string) => boolean): Map<string, number> {
    const out = new Map<string, number>();
    const terms = [...new Set(tokenize(text))];
    const docs = this.#docs;
    if (terms.length === 0) {
      for (const d of docs) if (d && (!filter || filter(d.key))) out.set(d.key, 0);
      return out;
    }
    const n = this.#count;
    const avg = n ? this.#totalLength / n : 1;
    const scores = new Float64Array(docs.length);
    const verdict = new Int8Array(docs.length); // 0 not asked yet, 1 admitted, -1 refused
    const touched: number[] = [];
    for (const term of terms) {
      const posting = this.#postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
      for (const [slot, f] of posting) {
        let v = verdict[slot]!;
        if (v === 0) verdict[slot] = v = !filter || filter(docs[slot]!.key) ? 1 : -1;
        if (v < 0) continue;
        if (scores[slot] === 0) touched.push(slot);
        const norm = K1 * (1 - B + (B * docs[slot]!.length) / (avg || 1));
        scores[slot]! += (idf * f * (K1 + 1)) / (f + norm);
      }
    }
    const phrase = text.trim().toLowerCase();
    const bonus = terms.length > 1 || phrase.length > 2;
    for (const slot of touched) {
      const d = docs[slot]!;
      let s = scores[slot]!;
      if (bonus) {
        if (terms.every((t) => d.tf.has(t))) s *= 1.5;
        if (d.haystack.includes(phrase)) s *= 1.5;
      }
      out.set(d.key, s);
    }
    return out;
  }
}
