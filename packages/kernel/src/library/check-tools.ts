import { KiwiError } from "@kiwi/spec";
import type { ChainLink } from "../executor/tool-chain";
import { prepareChain, resolveChain } from "../executor/tool-chain";
import type { Library, LibraryEntry } from "./library";

/**
 * Marks every tool whose chain cannot resolve (missing executor, cycle, undeclared template or env
 * reference) as unavailable with its diagnostic, so the problem shows at load time, not mid-run.
 */
export function checkToolChains(library: Library, isPrimitive: (id: string) => boolean): void {
  const winners = new Map<string, LibraryEntry>();
  for (const e of library.entries("tool")) if (!winners.has(e.id)) winners.set(e.id, e);
  const lookup = (id: string): ChainLink | KiwiError | undefined => {
    const e = winners.get(id);
    if (!e) return undefined;
    if (e.record?.parsed.itemType !== "tool") {
      return new KiwiError({
        code: e.problem?.code ?? "VALIDATION_FAILED",
        message: e.problem?.message ?? `${e.label} is invalid`,
        context: { issues: (e.problem?.issues as unknown[]) ?? [] },
      });
    }
    return { id, def: e.record.parsed.data, label: e.label };
  };
  for (const entry of library.entries("tool")) {
    if (entry.record?.parsed.itemType !== "tool") continue;
    const def = entry.record.parsed.data;
    if (isPrimitive(entry.id)) {
      entry.chainProblem = {
        code: "TOOL_CHAIN_FAILED",
        message: `${entry.label}: '${entry.id}' is the name of a primitive; rename the tool`,
        retryable: false,
      };
      continue;
    }
    if (!def.executor_id) {
      entry.chainProblem = undefined; // code-bearing plugin definitions are loaded, not run
      continue;
    }
    try {
      const { links, primitive } = resolveChain({
        headId: entry.id,
        lookup: (id) => (id === entry.id ? { id, def, label: entry.label } : lookup(id)),
        isPrimitive,
      });
      prepareChain(links, primitive);
      entry.chainProblem = undefined;
    } catch (error) {
      entry.chainProblem = KiwiError.isInstance(error)
        ? error.toJSON()
        : { code: "INTERNAL_ERROR", message: String(error), retryable: false };
    }
  }
}
