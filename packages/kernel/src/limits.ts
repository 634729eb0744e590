/** Bounds on untrusted input. Every parser and reader takes its numbers from here. */
export interface Limits {
  /** Largest item file accepted, in bytes (signature line included). */
  maxItemBytes: number;
  /** Deepest nesting accepted in YAML and XML. */
  maxDepth: number;
  /** Largest single `parameters` value accepted by `execute`, in bytes of JSON. */
  maxParamBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxItemBytes: 256 * 1024,
  maxDepth: 64,
  maxParamBytes: 1024 * 1024,
};
