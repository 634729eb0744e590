// Where `kiwi thread run` finds provider plugins when the project has none: the ones installed next to
// the `kiwi` command itself (its own dependencies). Discovery and the choice of provider and model are
// the library's (@kiwi/kiwi-harness: `findProviders`, `pickProvider`, `modelFor`, the runtime's default
// `models`); the CLI passes only its overrides (--provider, --model) and this folder.
import { fileURLToPath } from "node:url";
import { packageDirOf } from "@kiwi/kiwi-harness";

/** @kiwi/cli's own folder: its dependencies are the provider plugins installed with `kiwi`. */
export const cliPackageDir = (): string | undefined =>
  packageDirOf("@kiwi/cli", fileURLToPath(import.meta.url));
