import type { PrimitiveV1 } from "@kiwi/spec";
import { buildHttpClientPrimitive, type HttpClientOptions } from "./http-client-primitive";
import { createNodeTransport } from "./node-transport";

/**
 * `http_client` on Node (what `@kiwi/primitives` resolves to there): requests go through node:http and
 * node:https with keep-alive agents held by this primitive, unless `options.fetch` is given. Same
 * behaviour as the fetch build: see `createHttpClientPrimitive` in http-client-primitive.ts.
 */
export function createHttpClientPrimitive(options: HttpClientOptions = {}): PrimitiveV1 {
  return buildHttpClientPrimitive(options, createNodeTransport);
}
