import { fileURLToPath } from "node:url";

/**
 * This package's folder: its `.ai` ships the default harness's definition (`kiwi_harness`), which a
 * thread runtime adds to its kernel's plugin spaces (`pluginPackages`), so the default harness is
 * found from data in every project, whether or not the project depends on this package. This file sits
 * one level below the package root as source (src/) and built (dist/index.js) alike.
 */
export const KIWI_HARNESS_PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
