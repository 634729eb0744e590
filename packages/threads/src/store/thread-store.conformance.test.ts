import { join } from "node:path";
import { testThreadStore } from "@kiwi/testing";
import { ThreadRegistry } from "../registry/thread-registry";

// The embedded SQLite registry against the ThreadStore conformance suite (PostgreSQL runs the same one in
// @kiwi/threads-postgres). A second instance is a second connection to the same file.
testThreadStore("SQLite registry", ({ tempDir }) => ThreadRegistry.open(join(tempDir, "registry.db")), {
  reopen: ({ tempDir }) => ThreadRegistry.open(join(tempDir, "registry.db")),
});
