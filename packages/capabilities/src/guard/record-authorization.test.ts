// The guard's decisions on the active OpenTelemetry span (issue 16): a real tracer provider with the
// in-memory exporter, real tokens, the guard's authorizer and checkPath.

import type { AuthorizationRequest } from "@kiwi/spec";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapabilityRegistry } from "../definitions/capability-registry";
import type { Grant } from "../grant";
import { mintToken } from "../token/mint-token";
import { makeKeys, type TestKeys } from "../token/token-test-kit";
import { TokenVerifier } from "../token/token-verifier";
import { type CapabilityGuard, createCapabilityGuard } from "./capability-guard";
import { recordAuthorization } from "./record-authorization";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const registry = new CapabilityRegistry([
  { name: "tool.execute", description: "", system_only: false, scope: "tool_id", scope_required: true },
  { name: "fs.read", description: "", system_only: false, scope: "path", scope_required: true },
  { name: "process.exec", description: "", system_only: false, scope: "none", scope_required: false },
  { name: "kiwi.search", description: "", system_only: false, scope: "none", scope_required: false },
]);

let keys: TestKeys;
let guard: CapabilityGuard;
beforeAll(async () => {
  provider.register();
  keys = await makeKeys();
  guard = createCapabilityGuard({
    verifier: new TokenVerifier({ keys: [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }] }),
    registry: () => registry,
  });
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

async function metaFor(grants: Grant[]) {
  const minted = await mintToken({ key: keys.key, grants, directiveId: "d", threadId: "t" });
  return { meta: { __auth: minted.token, __thread_id: "t" }, jti: minted.claims.jti };
}

const toolRun = (meta: Record<string, unknown>, requires: string[] = []): AuthorizationRequest => ({
  kind: "tool.run",
  toolId: "greet",
  chain: ["greet", "echo"],
  requires,
  primitive: "echo",
  params: {},
  config: {},
  meta,
});

/** Runs `fn` inside an `execute_tool` span and returns that span's attributes and events once ended. */
async function within(fn: () => unknown) {
  exporter.reset();
  const span = trace.getTracer("test").startSpan("execute_tool");
  await context.with(trace.setSpan(context.active(), span), async () => {
    try {
      await fn();
    } catch {
      // The denial is what the span shows.
    }
  });
  span.end();
  const [done] = exporter.getFinishedSpans();
  return { attributes: done!.attributes, events: done!.events.map((e) => e.name) };
}

describe("the guard records its decision on the active span", () => {
  it("allow: the tool.execute grant's scope, what was required, the token's jti", async () => {
    const { meta, jti } = await metaFor([{ cap: "tool.execute", scope: "gr*" }, { cap: "process.exec" }]);
    const { attributes, events } = await within(() => guard.authorizer(toolRun(meta, ["process.exec"])));
    expect(attributes).toEqual({
      "kiwi.authz.decision": "allow",
      "kiwi.authz.capability": "tool.execute",
      "kiwi.authz.scope": "gr*",
      "kiwi.authz.required": ["process.exec"],
      "kiwi.authz.tool": "greet",
      "kiwi.authz.token.jti": jti,
    });
    expect(events).toEqual([]);
  });

  it("deny: the missing capability, why, and a denial event that a later allow does not hide", async () => {
    const { meta, jti } = await metaFor([{ cap: "tool.execute", scope: "greet" }]);
    const { attributes, events } = await within(async () => {
      await Promise.resolve(guard.authorizer(toolRun(meta, ["process.exec"]))).catch(() => undefined);
      await guard.authorizer(toolRun(meta));
    });
    expect(attributes).toMatchObject({
      "kiwi.authz.decision": "deny",
      "kiwi.authz.capability": "process.exec",
      "kiwi.authz.reason": "cap_missing",
      "kiwi.authz.token.jti": jti,
      "error.type": "CAPABILITY_DENIED",
    });
    expect(events).toEqual(["kiwi.authz.denied"]);
  });

  it("deny on a path outside the scope (checkPath), and on a missing token", async () => {
    const { meta } = await metaFor([{ cap: "fs.read", scope: "docs/**" }]);
    const path = await within(() =>
      guard.checkPath({ meta, cap: "fs.read", rel: "src/secret.txt", write: false }),
    );
    expect(path.attributes).toMatchObject({
      "kiwi.authz.decision": "deny",
      "kiwi.authz.capability": "fs.read",
      "kiwi.authz.scope": "src/secret.txt",
      "kiwi.authz.reason": "scope_denied",
    });
    const tokenless = await within(() => guard.authorizer(toolRun({}, ["process.exec"])));
    expect(tokenless.attributes).toMatchObject({
      "kiwi.authz.decision": "deny",
      "kiwi.authz.reason": "missing",
      "error.type": "TOKEN_INVALID",
    });
  });

  it("records nothing without a recording span", async () => {
    exporter.reset();
    recordAuthorization({ decision: "deny", capability: "x" });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
