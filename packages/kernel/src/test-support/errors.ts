// Test support (not exported): catching Kiwi errors and guarding against prototype pollution.
import { KiwiError } from "@kiwi/spec";
import { afterEach, expect } from "vitest";
import type { Issue } from "../diagnostics";

/** The KiwiError `fn` throws; fails when it throws something else or nothing. */
export function failure(fn: () => unknown): KiwiError {
  try {
    fn();
  } catch (error) {
    if (KiwiError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a KiwiError");
}

/** The code of the KiwiError `fn` throws, or "no error". */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (KiwiError.isInstance(error)) return error.code;
    throw error;
  }
  return "no error";
}

/** The issues of an error (empty when it carries none). */
export function issuesIn(error: KiwiError): Issue[] {
  return (error.context.issues ?? []) as Issue[];
}

/** The issues of the VALIDATION_FAILED error `fn` throws. */
export function validationIssues(fn: () => unknown): Issue[] {
  const error = failure(fn);
  if (error.code !== "VALIDATION_FAILED") throw error;
  return issuesIn(error);
}

/** After every test of the file: `({}).polluted` must still be undefined. */
export function expectNoPrototypePollution(): void {
  afterEach(() => {
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
}

/** A fresh plain object, to check nothing was added to Object.prototype. */
export const polluted = (): { polluted?: unknown } => ({});
