/**
 * Keyword search: BM25 over weighted fields (name, description, category, content). Documents are
 * tokenised once when indexed; a query costs one pass over the postings of its terms.
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
  doc: SearchDocument;
  length: number;
  tf: Map<string, number>; // weighted term frequency over all fields
  haystack: string; // lowercased name + description for phrase bonus
}

export class SearchIndex {
  readonly #docs = new Map<string, Indexed>();
  #postings = new Map<string, Set<string>>();
  #totalLength = 0;

  get size(): number {
    return this.#docs.size;
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
    for (const t of tf.keys()) {
      const set = this.#postings.get(t);
      if (set) set.add(doc.key);
      else this.#postings.set(t, new Set([doc.key]));
    }
    this.#totalLength += length;
    const haystack = `${doc.fields.name} ${doc.fields.description}`.toLowerCase();
    this.#docs.set(doc.key, { doc, length, tf, haystack });
  }

  remove(key: string): void {
    const old = this.#docs.get(key);
    if (!old) return;
    for (const t of old.tf.keys()) {
      const set = this.#postings.get(t);
      set?.delete(key);
      if (set?.size === 0) this.#postings.delete(t);
    }
    this.#totalLength -= old.length;
    this.#docs.delete(key);
  }

  /** Scores every document matching at least one query term. An empty query matches all with score 0. */
  query(text: string, filter?: (key: string) => boolean): Map<string, number> {
    const scores = new Map<string, number>();
    const terms = [...new Set(tokenize(text))];
    if (terms.length === 0) {
      for (const key of this.#docs.keys()) if (!filter || filter(key)) scores.set(key, 0);
      return scores;
    }
    const n = this.#docs.size;
    const avg = n ? this.#totalLength / n : 1;
    for (const term of terms) {
      const posting = this.#postings.get(term);
      if (!posting) continue;
      const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
      for (const key of posting) {
        if (filter && !filter(key)) continue;
        const d = this.#docs.get(key)!;
        const f = d.tf.get(term)!;
        const s = (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d.length) / (avg || 1)));
        scores.set(key, (scores.get(key) ?? 0) + s);
      }
    }
    const phrase = text.trim().toLowerCase();
    if (terms.length > 1 || phrase.length > 2) {
      for (const [key, s] of scores) {
        const d = this.#docs.get(key)!;
        const all = terms.every((t) => d.tf.has(t));
        scores.set(key, s * (all ? 1.5 : 1) * (d.haystack.includes(phrase) ? 1.5 : 1));
      }
    }
    return scores;
  }
}
