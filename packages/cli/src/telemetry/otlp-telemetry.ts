import { version } from "../../package.json";
import type { Io } from "../io";
import { printError } from "../io";

/** What a long-running command holds while it runs: call `shutdown` before it returns (flushes the spans). */
export interface CommandTelemetry {
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly enabled: boolean;
  /** The OTLP protocol in use (`http/json` or `http/protobuf`) when enabled. */
  readonly protocol?: OtlpProtocol;
  /** Exports what is still buffered and unregisters the tracer provider. */
  shutdown(): Promise<void>;
}

export type OtlpProtocol = "http/json" | "http/protobuf";

const OFF: CommandTelemetry = { enabled: false, shutdown: async () => undefined };

/**
 * The OTLP traces URL and protocol the standard environment variables ask for, or why there is none.
 * Precedence (the OpenTelemetry specification's): the traces-specific variable, then the generic one
 * (whose URL gets `/v1/traces` appended); protocol default `http/protobuf`.
 */
export function otlpSettings(
  env: Readonly<Record<string, string | undefined>>,
): { url: string; protocol: OtlpProtocol } | { off: string } {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return { off: "OTEL_SDK_DISABLED=true" };
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === "none") return { off: "OTEL_TRACES_EXPORTER=none" };
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const generic = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (generic ? `${generic.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (!url) return { off: "no OTEL_EXPORTER_OTLP_ENDPOINT" };
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    "http/protobuf"
  )
    .trim()
    .toLowerCase();
  if (protocol !== "http/json" && protocol !== "http/protobuf")
    return {
      off: `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported by kiwi: use http/protobuf or http/json`,
    };
  return { url, protocol };
}

/**
 * Starts exporting the command's OpenTelemetry spans (the threads' `invoke_agent` / `chat` /
 * `execute_tool` spans, the guard's authorization decisions) over OTLP/HTTP when the standard
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set; otherwise does nothing and loads
 * nothing. The SDK and exporters are the CLI's own dependencies, imported only when used. Any
 * long-running command calls it first and `shutdown()` before it returns (`withTelemetry`).
 */
export async function startTelemetry(io: Io): Promise<CommandTelemetry> {
  const settings = otlpSettings(io.env);
  if ("off" in settings) {
    // Asked for, but not possible: say so once (the command still runs).
    if (settings.off.includes("not supported")) printError(io, `kiwi: telemetry off: ${settings.off}`);
    return OFF;
  }
  const [{ NodeTracerProvider, BatchSpanProcessor }, { resourceFromAttributes }, exporterModule] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/resources"),
      settings.protocol === "http/json"
        ? import("@opentelemetry/exporter-trace-otlp-http")
        : import("@opentelemetry/exporter-trace-otlp-proto"),
    ]);
  const exporter = new exporterModule.OTLPTraceExporter({ url: settings.url });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": io.env.OTEL_SERVICE_NAME?.trim() || "kiwi",
      "service.version": version,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Global tracer provider, AsyncLocalStorage context manager and W3C propagator.
  provider.register();
  return {
    enabled: true,
    protocol: settings.protocol,
    async shutdown() {
      try {
        await provider.shutdown();
      } catch (error) {
        printError(io, `kiwi: could not export the last spans: ${(error as Error).message}`);
      }
    },
  };
}

/** Runs a command with telemetry started before it and flushed after it, whatever it returns or throws. */
export async function withTelemetry<T>(io: Io, command: () => Promise<T>): Promise<T> {
  const telemetry = await startTelemetry(io);
  try {
    return await command();
  } finally {
    await telemetry.shutdown();
  }
}
