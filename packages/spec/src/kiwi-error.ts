import type { KiwiErrorCode } from "./error-codes";

const BRAND = Symbol.for("kiwi.error");

export interface KiwiErrorOptions {
  code: KiwiErrorCode;
  /** Says what went wrong and what to do about it. Never contains secrets. */
  message: string;
  /** Typed, JSON-serialisable context (file, field, chain, suggestion, …). */
  context?: Record<string, unknown>;
  cause?: unknown;
  /** Whether repeating the same call may succeed (a timeout) or not (a validation error). */
  retryable?: boolean;
}

/** The JSON shape of an error inside a tool-boundary failure. */
export interface KiwiErrorObject {
  code: KiwiErrorCode;
  message: string;
  retryable: boolean;
  [key: string]: unknown;
}

/** What a tool, primitive or meta-tool returns to its caller when it fails. */
export interface ToolFailure {
  success: false;
  error: KiwiErrorObject;
}

/**
 * The one error class Kiwi throws. Use `KiwiError.isInstance(e)` rather than `instanceof`: a plugin may
 * bring its own copy of this package, and the brand is shared across copies through `Symbol.for`.
 */
export class KiwiError extends Error {
  readonly code: KiwiErrorCode;
  readonly context: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;

  constructor(options: KiwiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KiwiError";
    this.code = options.code;
    this.context = options.context ?? {};
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static isInstance(value: unknown): value is KiwiError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** `{code, message, ...context, retryable}`: the tool-boundary error object. */
  toJSON(): KiwiErrorObject {
    const out: KiwiErrorObject = { code: this.code, message: this.message, retryable: this.retryable };
    for (const [key, value] of Object.entries(this.context)) {
      if (key !== "code" && key !== "message" && key !== "retryable") out[key] = value;
    }
    return out;
  }
}

/** Converts anything thrown into the tool-boundary failure shape. Unknown errors become INTERNAL_ERROR. */
export function toToolFailure(error: unknown): ToolFailure {
  if (KiwiError.isInstance(error)) return { success: false, error: error.toJSON() };
  const message = error instanceof Error ? error.message : String(error);
  return {
    success: false,
    error: { code: "INTERNAL_ERROR", message: `unexpected error: ${message}`, retryable: false },
  };
}

/**
 * The inverse of `toToolFailure`: a failure that came back across a tool boundary (a meta-tool's result,
 * a primitive's) as a `KiwiError` to throw in-process, with its code, `retryable` and the rest of the
 * error object as context.
 */
export function fromToolFailure(failure: ToolFailure, cause?: unknown): KiwiError {
  const { code, message, retryable, ...context } = failure.error;
  return new KiwiError({ code, message, retryable: retryable === true, context, cause });
}

/** True when a value has the `{success:false, error:{code,message}}` shape. */
export function isToolFailure(value: unknown): value is ToolFailure {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { success?: unknown; error?: { code?: unknown; message?: unknown } };
  return v.success === false && typeof v.error?.code === "string" && typeof v.error?.message === "string";
}
