import { spawn as nodeSpawn } from "node:child_process";
import { KiwiError, type PrimitiveResult, type PrimitiveV1 } from "@kiwi/spec";
import { buildChildEnv } from "./child-env";
import { confineCwd } from "./confine-cwd";
import { createRpcConversation } from "./rpc-conversation";
import { runChild } from "./run-child";
import { SinkWriter } from "./sink-writer";
import { readSubprocessConfig, type SubprocessConfig } from "./subprocess-config";
import { buildSubprocessResult } from "./subprocess-result";

export interface SubprocessPrimitiveOptions {
  /** Injectable for tests and sandboxes; default `node:child_process` spawn. */
  spawn?: typeof nodeSpawn;
  /** The parent environment the allow-list picks from; default `process.env`, read at each run. */
  env?: Record<string, string | undefined>;
}

/** Where a shell is asked for: `/bin/sh -c <command> sh <args…>`, so args arrive as $1, $2… unparsed. */
function argvFor(config: SubprocessConfig): [string, string[]] {
  if (!config.shell) return [config.command, config.args];
  return ["/bin/sh", ["-c", config.command, "sh", ...config.args]];
}

/**
 * `subprocess`: runs one command with an argv (no shell unless `shell: true`), cwd confined to the
 * project, an environment built from an allow-list, optional stdin, a timeout and cancellation that end
 * the whole process group, capped output and optional line streaming to sinks. With `rpc`, it speaks
 * newline-delimited JSON-RPC 2.0 over stdio instead (how MCP stdio servers run).
 */
export function createSubprocessPrimitive(options: SubprocessPrimitiveOptions = {}): PrimitiveV1 {
  const spawn = options.spawn ?? nodeSpawn;
  return {
    specificationVersion: "primitive-v1",
    id: "subprocess",
    description:
      "Runs a command (argv, no shell by default) inside the project with an allow-listed environment, timeout and process-group kill, capped output, line streaming and optional JSON-RPC over stdio.",
    async run({ config, context, sinks: callSinks }): Promise<PrimitiveResult> {
      let settings: SubprocessConfig;
      let cwd: string;
      let sinks: SinkWriter;
      try {
        settings = readSubprocessConfig(config);
        cwd = await confineCwd(context.projectRoot, settings.cwd);
        sinks = new SinkWriter(callSinks ?? []);
      } catch (error) {
        if (KiwiError.isInstance(error)) return { success: false, error: error.toJSON() };
        throw error;
      }
      if (context.signal?.aborted)
        return {
          success: false,
          error: {
            code: "ABORTED",
            message: "the call was cancelled before the command started",
            retryable: false,
          },
        };
      const [file, argv] = argvFor(settings);
      const conversation = settings.rpc
        ? createRpcConversation({
            rpc: settings.rpc,
            maxLineBytes: settings.maxLineBytes,
            signal: context.signal,
          })
        : undefined;
      const outcome = await runChild({
        spawn,
        file,
        argv,
        cwd,
        env: buildChildEnv({
          parent: options.env ?? process.env,
          allow: settings.envAllow,
          extra: settings.env,
        }),
        input: settings.input,
        timeoutMs: settings.timeoutMs,
        killGraceMs: settings.killGraceMs,
        maxOutputBytes: settings.maxOutputBytes,
        killOnOverflow: settings.killOnOverflow,
        stream: settings.stream,
        maxLineBytes: settings.maxLineBytes,
        sinks,
        signal: context.signal,
        ...(conversation ? { converse: conversation.run } : {}),
      });
      return buildSubprocessResult({
        command: settings.command,
        timeoutMs: settings.timeoutMs,
        outcome,
        rpc: conversation?.outcome,
        sinkErrors: sinks.failures,
      });
    },
  };
}
