// Public API of @kiwi/cli, listed by name on purpose (no `export *`).

export { EXIT } from "./cli-error";
export type { Io } from "./io";
export { main } from "./main";
