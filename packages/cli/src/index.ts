// Public API of @kiwi/cli, listed by name on purpose (no `export *`).
export { main } from "./main";
export type { Io } from "./io";
export { EXIT } from "./cli-error";
