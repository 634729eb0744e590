import { KiwiError } from "@kiwi/spec";
import type { z } from "zod";

/** Parses meta-tool input with its zod schema; bad arguments become INVALID_INPUT naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, tool: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: i.path.join(".") || "(arguments)",
    message: i.message,
  }));
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: `${tool}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
    context: { tool, issues },
  });
}
