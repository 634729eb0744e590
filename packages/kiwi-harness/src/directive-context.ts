/** The parts of `execute(directive, run)` the first message is built from. */
export interface DirectiveRun {
  name: string;
  version: string;
  description: string;
  inputs?: { name: string; description: string }[];
  provided_inputs?: Record<string, unknown>;
  process?: { name: string; description: string; action: string; condition?: string }[];
  success_criteria?: string[];
  outputs?: Record<string, string>;
}

/** The first user message of a thread: what to do (the directive) and what was asked. */
export function directiveContext(d: DirectiveRun, request: string): string {
  const lines = [`You are running the directive ${d.name} (v${d.version}): ${d.description}`];
  const inputs = Object.entries(d.provided_inputs ?? {});
  if (inputs.length)
    lines.push(
      "",
      "Inputs:",
      ...inputs.map(([k, v]) => `- ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`),
    );
  if (d.process?.length) {
    lines.push("", "Process (follow in order):");
    for (const [i, s] of d.process.entries()) {
      lines.push(
        `${i + 1}. ${s.name}${s.condition ? ` (when ${s.condition})` : ""}: ${s.description} ${s.action}`.trim(),
      );
    }
  }
  if (d.success_criteria?.length)
    lines.push("", "Success criteria:", ...d.success_criteria.map((c) => `- ${c}`));
  const outputs = Object.entries(d.outputs ?? {});
  if (outputs.length) lines.push("", "Outputs:", ...outputs.map(([k, v]) => `- ${k}: ${v}`));
  lines.push("", "Request:", request || "(no further request: carry out the directive)");
  return lines.join("\n");
}
