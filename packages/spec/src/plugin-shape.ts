// Internal: the few checks the plugin kinds need, written by hand so @kiwi/spec stays dependency-free.
// A check appends what is wrong with `value` (at `path`) to `issues`; it never throws.
import type { StandardSchemaIssue, StandardSchemaV1 } from "./plugin-kind";

export type Check = (value: unknown, path: readonly PropertyKey[], issues: StandardSchemaIssue[]) => void;

export const fn: Check = (value, path, issues) => {
  if (typeof value !== "function") issues.push({ path, message: "must be a function" });
};

export const text: Check = (value, path, issues) => {
  if (typeof value !== "string" || value === "") issues.push({ path, message: "must be a non-empty string" });
};

export const literal =
  (expected: string): Check =>
  (value, path, issues) => {
    if (value !== expected) issues.push({ path, message: `must be "${expected}"` });
  };

export const optional =
  (check: Check): Check =>
  (value, path, issues) => {
    if (value !== undefined) check(value, path, issues);
  };

const isObject = (value: unknown): value is Record<PropertyKey, unknown> =>
  (typeof value === "object" || typeof value === "function") && value !== null;

/** An object (or function) with these fields; fields not listed are allowed (optional methods, extras). */
export const object =
  (fields: Readonly<Record<string, Check>>): Check =>
  (value, path, issues) => {
    if (!isObject(value)) {
      issues.push({ path, message: "must be an object" });
      return;
    }
    for (const [key, check] of Object.entries(fields)) check(value[key], [...path, key], issues);
  };

/** A plain mapping whose every value passes `check`. */
export const record =
  (check: Check): Check =>
  (value, path, issues) => {
    if (!isObject(value) || Array.isArray(value)) {
      issues.push({ path, message: "must be a mapping" });
      return;
    }
    for (const [key, item] of Object.entries(value)) check(item, [...path, key], issues);
  };

/** Wraps a check as a Standard Schema whose value is the instance itself (never a copy). */
export function shapeOf<T>(check: Check): StandardSchemaV1<unknown, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "kiwi",
      validate(value) {
        const issues: StandardSchemaIssue[] = [];
        check(value, [], issues);
        return issues.length > 0 ? { issues } : { value: value as T };
      },
    },
  };
}
