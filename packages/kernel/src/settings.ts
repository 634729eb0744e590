import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { KiwiError } from "@kiwi/spec";
import { DEFAULT_LIMITS, type Limits } from "./limits";

/** What a kernel is configured with, after resolution. Precedence is written here and nowhere else. */
export interface ResolvedSettings {
  /** realpath of the pinned project root. */
  readonly projectRoot: string;
  /** `<projectRoot>/.ai` */
  readonly projectSpace: string;
  /** The user space: explicit option → KIWI_USER_SPACE → ~/.ai */
  readonly userSpace: string;
  readonly limits: Limits;
  readonly indexTtlMs: number;
  /** Environment lookup for `${ENV}`: process environment first, then the project's `.env`. */
  readonly env: (name: string) => string | undefined;
}

export interface SettingsInput {
  projectRoot: string;
  userSpace?: string;
  env?: Readonly<Record<string, string | undefined>>;
  limits?: Partial<Limits>;
  indexTtlMs?: number;
}

function readDotEnv(projectRoot: string): Record<string, string> {
  const file = join(projectRoot, ".env");
  if (!existsSync(file)) return {};
  try {
    return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (cause) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `${file} is not a valid .env file`,
      context: { file },
      cause,
    });
  }
}

export function resolveSettings(input: SettingsInput): ResolvedSettings {
  if (!input.projectRoot || !isAbsolute(input.projectRoot)) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `the project root must be an absolute path given explicitly (got '${input.projectRoot ?? ""}'): pass --project /path/to/project`,
      context: { project_root: input.projectRoot ?? null },
    });
  }
  let projectRoot: string;
  try {
    projectRoot = realpathSync(input.projectRoot);
    if (!statSync(projectRoot).isDirectory()) throw new Error("not a directory");
  } catch (cause) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `the project root ${input.projectRoot} is not an existing directory`,
      context: { project_root: input.projectRoot },
      cause,
    });
  }
  const processEnv = input.env ?? process.env;
  const userSpace = resolve(input.userSpace ?? processEnv.KIWI_USER_SPACE ?? join(homedir(), ".ai"));
  const dotEnv = readDotEnv(projectRoot);
  return {
    projectRoot,
    projectSpace: join(projectRoot, ".ai"),
    userSpace,
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    indexTtlMs: input.indexTtlMs ?? 1000,
    env: (name) => processEnv[name] ?? (Object.hasOwn(dotEnv, name) ? dotEnv[name] : undefined),
  };
}
