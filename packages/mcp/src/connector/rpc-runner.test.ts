import { KiwiError, type PrimitiveV1 } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { httpRpcRunner } from "./http-rpc-runner";
import { stdioRpcRunner } from "./stdio-rpc-runner";

// A primitive that must never be reached: the runners refuse a server of the other transport first.
const unreachable: PrimitiveV1 = {
  specificationVersion: "primitive-v1",
  id: "unreachable",
  run: () => Promise.reject(new Error("the primitive was called")),
};

describe("RPC runners", () => {
  it("refuse a server of the other transport with INVALID_INPUT, naming the runner to use", async () => {
    const stdio = stdioRpcRunner({ subprocess: unreachable, projectRoot: "/" });
    const http = httpRpcRunner({ http: unreachable, projectRoot: "/" });
    const fromStdio = await stdio({ name: "remote", url: "http://127.0.0.1:1/mcp" }, []).catch((e) => e);
    const fromHttp = await http({ name: "local", command: "node" }, []).catch((e) => e);
    expect(KiwiError.isInstance(fromStdio)).toBe(true);
    expect(fromStdio).toMatchObject({ code: "INVALID_INPUT", context: { server: "remote" } });
    expect(fromStdio.message).toContain("httpRpcRunner");
    expect(KiwiError.isInstance(fromHttp)).toBe(true);
    expect(fromHttp).toMatchObject({ code: "INVALID_INPUT", context: { server: "local" } });
    expect(fromHttp.message).toContain("stdioRpcRunner");
  });
});
