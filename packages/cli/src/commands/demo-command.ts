import { parseArgs } from "node:util";
import { EXIT } from "../cli-error";
import { runKernelTour } from "../demo/demo-kernel-tour";
import { type DemoModel, demoModel } from "../demo/demo-model";
import { createDemoProject } from "../demo/demo-project";
import { runDemoThread } from "../demo/demo-thread";
import { type Io, print, printError } from "../io";

/**
 * kiwi demo: a temporary project and user space (a fresh signing key). Part one shows the kernel and the
 * MCP server on the bundled core without any model; part two runs the core `demo_tour` directive on a
 * managed thread — against the embedded scripted LLM (no key, no network), or a real provider when
 * ANTHROPIC_API_KEY / OPENAI_API_KEY is set — and shows the spawn, each tool call through the capability
 * check (one refused with CAPABILITY_DENIED, which the model recovers from), the transcript and the cost.
 */
export async function demoCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      keep: { type: "boolean", default: false },
      scripted: { type: "boolean", default: false },
    },
  });
  const demo = await createDemoProject();
  let model: DemoModel | undefined;
  let n = 0;
  const step = (title: string) => {
    n += 1;
    print(io);
    print(io, `${n}. ${title}`);
  };
  try {
    model = await demoModel({
      env: io.env,
      scripted: values.scripted,
      project: demo.project,
      userSpace: demo.userSpace,
    });
    print(io, "Kiwi demo, part 1: the kernel and the MCP server on the bundled core (.ai/), no model");
    await runKernelTour({ io, project: demo.project, userSpace: demo.userSpace, env: io.env, step });

    print(io);
    print(
      io,
      `Kiwi demo, part 2: the demo_tour directive on a managed thread (${model.mode === "scripted" ? "embedded scripted LLM" : `${model.providerId} ${model.model}`})`,
    );
    const result = await runDemoThread({
      io,
      project: demo.project,
      userSpace: demo.userSpace,
      model,
      step,
      timeoutMs: model.mode === "scripted" ? 30_000 : 180_000,
    });
    print(io);
    if (result.status !== "completed") {
      printError(io, `kiwi demo: the thread ended ${result.status} (${result.reason ?? "no reason"})`);
      return EXIT.failed;
    }
    const denied = result.calls.filter((c) => !c.ok).length;
    print(
      io,
      `Done: ${result.calls.length} tool calls, ${denied} refused by the tool layer; the thread completed (${result.reason ?? "no reason"}).`,
    );
    print(
      io,
      "Next: `kiwi init` puts the core bundle into your project; `kiwi serve --project <path>` for Claude Desktop, Claude Code or Cursor.",
    );
    return EXIT.ok;
  } finally {
    await model?.close();
    if (!values.keep) await demo.remove();
    else print(io, `kept ${demo.project} and ${demo.userSpace}`);
  }
}
