import { assertNoReservedKeys } from "../executor/params";
import type { KernelContext } from "../kernel-context";
import type { CallOptions } from "../kernel-types";
import { authorizeMetaTool } from "./caller";
import { parseInput } from "./input-error";
import { type ExecuteInput, executeInput, quickExecuteInput } from "./inputs";
import { runDirective } from "./run-directive";
import { runKnowledge } from "./run-knowledge";
import { runTool } from "./run-tool";
import { signItems } from "./sign-items";
import { checkProjectPath } from "./source-filter";
import { deleteItem, writeItem } from "./write-item";

/** `execute(item_type, action, item_id, parameters)`: routes to run, sign, create, update or delete. */
export async function execute(ctx: KernelContext, raw: ExecuteInput, options: CallOptions = {}) {
  const input = quickExecuteInput(raw) ?? parseInput(executeInput, raw, "execute");
  checkProjectPath(ctx, input.project_path);
  // `__*` keys only ever travel in options.meta, set by a harness; never in caller parameters.
  assertNoReservedKeys(input.parameters, `execute ${input.item_type} ${input.item_id}`);
  const { item_type: type, item_id: id, parameters: params } = input;
  // A harness's direct call of a granted tool is not a use of the execute meta-tool.
  if (!(options.direct && input.action === "run" && type === "tool"))
    await authorizeMetaTool(ctx, "execute", options);
  switch (input.action) {
    case "run":
      if (type === "directive") return runDirective(ctx, id, params, options);
      if (type === "knowledge") return runKnowledge(ctx, id, options);
      return runTool(ctx, id, params, options);
    case "sign":
      return signItems(ctx, type, id, params, options);
    case "create":
    case "update":
      return writeItem(ctx, input.action, type, id, params, options);
    case "delete":
      return deleteItem(ctx, type, id, params, options);
  }
}
