import { z } from "zod";

/** MAJOR.MINOR.PATCH, digits only: the version format of every item. */
export const SEMVER_PATTERN = /^\d+\.\d+\.\d+$/;

/** Directive names and tool ids: what a file may be called and what the model types. */
export const SNAKE_CASE_PATTERN = /^[a-z][a-z0-9_]*$/;

export const semverSchema = z
  .string()
  .regex(SEMVER_PATTERN, "must be a version like 1.0.0 (MAJOR.MINOR.PATCH, digits only)");

export const snakeCaseSchema = z
  .string()
  .regex(SNAKE_CASE_PATTERN, "must be snake_case: a lowercase letter, then lowercase letters, digits or _");

/** The JSON types a tool parameter or directive input may declare. */
export const VALUE_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;

/**
 * Names of tool parameters and directive inputs. `__*` names are reserved for metadata the harness and
 * executor inject (`__auth`, `__thread_id`…), so a definition may never declare one.
 */
export const paramNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "must be an identifier: letters, digits and _, not starting with a digit",
  )
  .refine((name) => !name.startsWith("__"), {
    message: "names starting with __ are reserved for Kiwi's own metadata (__auth, __thread_id…)",
    params: { fix: "rename it without the leading __" },
  });

/** A non-empty string list without blanks (categories, globs, capability names). */
export const nameListSchema = z.array(z.string().min(1));
