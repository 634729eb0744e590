import { parseArgs } from "node:util";
import { entryProblem, entryStatus, formatIssue, type Issue } from "@kiwi/kernel";
import { EXIT } from "../cli-error";
import { kernelFrom, kernelOptions } from "../common-options";
import { type Io, print, printJson } from "../io";

/** kiwi validate — every item in every space that does not parse, validate or resolve, with its fix. */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...kernelOptions, all: { type: "boolean", default: false } },
  });
  const kernel = await kernelFrom(values, io);
  const entries = await kernel.inventory();
  const problems = entries.filter(
    (e) => entryProblem(e) && (values.all || e.space.kind === "project" || e.space.kind === "user"),
  );
  if (values.json) {
    printJson(io, {
      success: problems.length === 0 && kernel.pluginProblems.length === 0,
      plugin_problems: kernel.pluginProblems,
      checked: entries.length,
      problems: problems.map((e) => ({
        item_type: e.itemType,
        id: e.id,
        path: e.label,
        status: entryStatus(e),
        error: entryProblem(e),
      })),
    });
  } else {
    for (const e of problems) {
      const problem = entryProblem(e)!;
      const issues = (problem.issues as Issue[] | undefined) ?? [];
      print(io, `✗ ${e.itemType} ${e.id} (${e.label}): ${entryStatus(e)}, ${problem.code}`);
      for (const line of issues.length ? issues.map(formatIssue) : [problem.message])
        print(io, `    ${line}`);
    }
    for (const p of kernel.pluginProblems) print(io, `✗ package ${p.package}: ${p.message}`);
    print(
      io,
      `${entries.length} items checked, ${problems.length} with problems (project ${kernel.projectRoot})`,
    );
  }
  return problems.length || kernel.pluginProblems.length ? EXIT.failed : EXIT.ok;
}
