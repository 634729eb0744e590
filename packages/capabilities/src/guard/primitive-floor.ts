/**
 * What a primitive needs whatever the tool running it declares: its floor. A tool whose `requires` says
 * less (`requires: none` on `subprocess`) still needs the floor, so a signed tool can never lower what it
 * takes to run a command, reach a host, touch a file, read the thread registry or talk to an MCP server.
 *
 * | primitive       | floor                                                                             |
 * |-----------------|-----------------------------------------------------------------------------------|
 * | `subprocess`    | `process.exec`                                                                    |
 * | `http_client`   | `net.http` (its host is checked against the grant's scope)                        |
 * | `filesystem`    | `fs.read` (read, list), `fs.write` (write), `fs.delete` (delete); the path is checked by the primitive |
 * | `threads`       | `registry.read` for the registry (+ `registry.write` for register, update_status); `orchestration.spawn` for `directive`; `control` is authorised by the primitive (the caller's own children, or `thread.control`) |
 * | `mcp_connector` | `mcp.connect` (scoped to the server the call names)                              |
 *
 * Any other primitive (`echo`, a host's own) has no floor here: it does nothing a capability guards, or
 * its host guards it.
 */
export function primitiveFloor(options: {
  primitive: string;
  config?: Readonly<Record<string, unknown>>;
  params?: Readonly<Record<string, unknown>>;
}): readonly string[] {
  const { primitive, config = {}, params = {} } = options;
  switch (primitive) {
    case "subprocess":
      return ["process.exec"];
    case "http_client":
      return ["net.http"];
    case "mcp_connector":
      return ["mcp.connect"];
    case "filesystem": {
      const op = config.operation;
      if (op === "read" || op === "list") return ["fs.read"];
      if (op === "delete") return ["fs.delete"];
      return ["fs.write"]; // write, and anything the primitive would refuse anyway
    }
    case "threads": {
      const op = config.operation;
      if (op === "directive") return ["orchestration.spawn"];
      if (op === "control") return [];
      const action = params.action ?? config.action;
      return action === "register" || action === "update_status"
        ? ["registry.read", "registry.write"]
        : ["registry.read"];
    }
    default:
      return [];
  }
}
