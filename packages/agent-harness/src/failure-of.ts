import { KiwiError } from "@kiwi/spec";

/** Why something failed, as a code and a message. */
export interface FailureCause {
  readonly code: string;
  readonly message: string;
}

/**
 * The code and message of anything thrown: a KiwiError's code, else a string `code` the error carries
 * (a Node system error's `ENOENT`), else INTERNAL_ERROR. Nothing thrown is reduced to "interrupted".
 */
export function failureOf(error: unknown): FailureCause {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  return {
    code: KiwiError.isInstance(error) ? error.code : typeof e?.code === "string" ? e.code : "INTERNAL_ERROR",
    message: typeof e?.message === "string" ? e.message : String(error),
  };
}
