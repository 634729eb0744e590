import { isReservedKey, KiwiError, type KnownErrorCode } from "@kiwi/spec";
import { jsonByteBound } from "./json-byte-size";

export interface ParamDef {
  readonly name: string;
  readonly type: "string" | "number" | "integer" | "boolean" | "array" | "object";
  readonly required?: boolean;
  readonly default?: unknown;
  readonly description?: string;
  readonly enum?: readonly unknown[];
}

function typeOk(type: ParamDef["type"], value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
}

function fail(code: KnownErrorCode, message: string, context: Record<string, unknown>): never {
  throw new KiwiError({ code, message, context });
}

function isEmpty(params: Readonly<Record<string, unknown>>): boolean {
  for (const _ in params) return false;
  return true;
}

/** Refuses any `__*` key: only the harness and executor set those, through the metadata channel. */
export function assertNoReservedKeys(params: Readonly<Record<string, unknown>>, where: string): void {
  const reserved = Object.keys(params).filter(isReservedKey);
  if (reserved.length) {
    fail(
      "PARAM_RESERVED",
      `${where}: parameters may not contain ${reserved.join(", ")}: keys starting with __ are set by the harness, never by a caller`,
      { parameters: reserved },
    );
  }
}

/**
 * Validates call parameters against a tool's declared parameters: reserved keys, unknown keys, types,
 * enums, required values and sizes. Returns the parameters with defaults applied.
 */
export function validateParams(options: {
  params: Readonly<Record<string, unknown>>;
  declared: readonly ParamDef[];
  toolId: string;
  maxParamBytes: number;
}): Record<string, unknown> {
  const { params, declared, toolId, maxParamBytes } = options;
  // A tool without parameters called without any: nothing to check (the common no-argument call).
  if (declared.length === 0 && isEmpty(params)) return {};
  assertNoReservedKeys(params, `tool ${toolId}`);
  const byName = new Map(declared.map((d) => [d.name, d]));
  const unknown = Object.keys(params).filter((k) => !byName.has(k));
  if (unknown.length) {
    fail(
      "PARAM_UNKNOWN",
      `tool ${toolId} has no parameter ${unknown.map((u) => `'${u.slice(0, 60)}'`).join(", ")}: it accepts ${declared.map((d) => d.name).join(", ") || "no parameters"}`,
      { tool_id: toolId, unknown: unknown.map((u) => u.slice(0, 60)), accepted: declared.map((d) => d.name) },
    );
  }
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const def of declared) {
    const value = Object.hasOwn(params, def.name) ? params[def.name] : undefined;
    if (value === undefined || value === null) {
      if (def.default !== undefined) out[def.name] = structuredClone(def.default);
      else if (def.required) missing.push(def.name);
      continue;
    }
    // A string counts its UTF-8 bytes; anything else the bytes of its JSON: bounded from above without
    // serialising it, and measured exactly (JSON.stringify) only when the bound does not fit.
    const size =
      typeof value === "string"
        ? Buffer.byteLength(value)
        : (jsonByteBound(value, maxParamBytes) ?? 0) > maxParamBytes
          ? Buffer.byteLength(JSON.stringify(value) ?? "")
          : 0;
    if (size > maxParamBytes) {
      fail(
        "PARAM_TOO_LARGE",
        `parameter '${def.name}' of tool ${toolId} is ${size} bytes, above the ${maxParamBytes}-byte limit`,
        {
          tool_id: toolId,
          parameter: def.name,
          size,
          limit: maxParamBytes,
        },
      );
    }
    if (!typeOk(def.type, value)) {
      fail(
        "PARAM_INVALID",
        `parameter '${def.name}' of tool ${toolId} must be ${def.type === "integer" ? "an integer" : `of type ${def.type}`}`,
        {
          tool_id: toolId,
          parameter: def.name,
          expected: def.type,
        },
      );
    }
    if (def.enum && !def.enum.some((e) => e === value)) {
      fail(
        "PARAM_INVALID",
        `parameter '${def.name}' of tool ${toolId} must be one of ${def.enum.map((e) => JSON.stringify(e)).join(", ")}`,
        {
          tool_id: toolId,
          parameter: def.name,
          allowed: def.enum,
        },
      );
    }
    out[def.name] = value;
  }
  if (missing.length) {
    fail(
      "PARAM_MISSING",
      `tool ${toolId} needs parameter${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
      {
        tool_id: toolId,
        missing,
      },
    );
  }
  return out;
}
