import {
  invalidConfig,
  isRecord,
  readBoolean,
  readInteger,
  readString,
  readStringList,
  rejectUnknownKeys,
} from "./config-fields";
import { type RpcConfig, readRpcConfig } from "./rpc-config";

/** Names copied from the parent environment when the tool names none: nothing secret-bearing. */
export const DEFAULT_ENV_ALLOW = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "TZ", "USER"] as const;

export interface SubprocessConfig {
  command: string;
  args: string[];
  shell: boolean;
  /** Project-relative; confined to the project root later, with realpath. */
  cwd: string | undefined;
  env: Record<string, string>;
  envAllow: string[];
  input: string | undefined;
  timeoutMs: number;
  maxOutputBytes: number;
  killOnOverflow: boolean;
  killGraceMs: number;
  stream: boolean;
  maxLineBytes: number;
  rpc: RpcConfig | undefined;
}

const KNOWN = [
  "command",
  "args",
  "shell",
  "cwd",
  "env",
  "env_allow",
  "input",
  "timeout_ms",
  "max_output_bytes",
  "kill_on_overflow",
  "kill_grace_ms",
  "stream",
  "max_line_bytes",
  "rpc",
  // Annotations other layers write into config and the primitive ignores: the kernel's secret marker and
  // the MCP connector's pin of a remote tool's definition and the approved server a tool talks to.
  "carries_secret",
  "mcp_tool",
  "mcp_server",
] as const;

const MAX_TIMER_MS = 2_147_483_647;
const ENV_NAME = /^[^=\0]+$/;

function readEnv(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidConfig("env", "must be an object of NAME: string value");
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) throw invalidConfig(`env.${name}`, "is not a valid variable name");
    env[name] = readString(`env.${name}`, v, { empty: true });
  }
  return env;
}

/**
 * Reads the chain's merged config. Unknown fields are errors (a misspelt `timeout_ms` must not silently
 * become the default), and every problem is an INVALID_INPUT naming the field.
 */
export function readSubprocessConfig(config: Record<string, unknown>): SubprocessConfig {
  rejectUnknownKeys("", config, KNOWN);
  const envAllow =
    config.env_allow === undefined ? [...DEFAULT_ENV_ALLOW] : readStringList("env_allow", config.env_allow);
  for (const name of envAllow)
    if (!ENV_NAME.test(name)) throw invalidConfig("env_allow", `names an invalid variable "${name}"`);
  const timeoutMs = readInteger("timeout_ms", config.timeout_ms, {
    min: 1,
    max: MAX_TIMER_MS,
    fallback: 300_000,
  });
  const shell = readBoolean("shell", config.shell, false);
  const rpc = config.rpc === undefined ? undefined : readRpcConfig(config.rpc, timeoutMs);
  if (rpc && config.input !== undefined)
    throw invalidConfig("input", "cannot be combined with rpc: stdin carries the JSON-RPC messages");
  return {
    command: readString("command", config.command),
    args: readStringList("args", config.args),
    shell,
    cwd: config.cwd === undefined ? undefined : readString("cwd", config.cwd, { empty: true }),
    env: readEnv(config.env),
    envAllow,
    input: config.input === undefined ? undefined : readString("input", config.input, { empty: true }),
    timeoutMs,
    maxOutputBytes: readInteger("max_output_bytes", config.max_output_bytes, {
      min: 0,
      max: 1024 * 1024 * 1024,
      fallback: 1024 * 1024,
    }),
    killOnOverflow: readBoolean("kill_on_overflow", config.kill_on_overflow, false),
    killGraceMs: readInteger("kill_grace_ms", config.kill_grace_ms, { min: 0, max: 60_000, fallback: 2000 }),
    // `stream: true`, or the kernel's `stream: {destinations: […]}` (the sinks arrive as the call's `sinks`).
    stream: isRecord(config.stream) ? true : readBoolean("stream", config.stream, false),
    maxLineBytes: readInteger("max_line_bytes", config.max_line_bytes, {
      min: 1,
      max: 64 * 1024 * 1024,
      // In rpc mode stdout lines are whole JSON-RPC messages (an MCP tools/list can be large).
      fallback: rpc ? 4 * 1024 * 1024 : 64 * 1024,
    }),
    rpc,
  };
}
