import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { readRegularFileSyncIfExists } from "@kiwi/sandbox";
import { createRedactor, type Redactor, SecretSet, secretsFromEnv } from "@kiwi/sinks";
import { KiwiError } from "@kiwi/spec";
import { DEFAULT_LIMITS, type Limits } from "./limits";

/** Where an `${ENV}` value comes from: the person's environment, or the project's `.env` file. */
export type EnvSource = "environment" | "dotenv";

/**
 * The lookup for `${ENV}`: the process environment first, then the project's `.env`. `sourceOf` says
 * which one answered (a file a thread or a cloned repository can write is not the person's word).
 */
export interface EnvLookup {
  (name: string): string | undefined;
  readonly sourceOf?: (name: string) => EnvSource | undefined;
}

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
  readonly env: EnvLookup;
  /**
   * What must never leave the process in the clear: every value in `.env`, the secret-looking values of
   * the environment, and every value `env` has answered a template with (added as it is read, so before
   * the request that carries it is sent). Transcripts, the registry and sinks redact it.
   */
  readonly secrets: SecretSet;
  /** Replaces `secrets` (as the set grows) in every form; what the kernel wraps every destination sink with. */
  readonly redact: Redactor;
}

export interface SettingsInput {
  projectRoot: string;
  userSpace?: string;
  env?: Readonly<Record<string, string | undefined>>;
  limits?: Partial<Limits>;
  indexTtlMs?: number;
}

/** A `.env` larger than this is refused: it is a handful of settings, not data. */
const MAX_DOTENV_BYTES = 1024 * 1024;

function dotEnvError(file: string, message: string, cause?: unknown): KiwiError {
  return new KiwiError({ code: "INVALID_INPUT", message, context: { file }, ...(cause ? { cause } : {}) });
}

/**
 * The project's `.env`, read without ever blocking (@kiwi/sandbox's regular-file reader: the type is
 * checked before the open, the open is non-blocking and checked again): a FIFO or device in its place is
 * refused, not waited on; at most 1 MiB.
 */
function readDotEnv(projectRoot: string): Record<string, string> {
  const file = join(projectRoot, ".env");
  let text: string;
  try {
    const read = readRegularFileSyncIfExists(file, { maxBytes: MAX_DOTENV_BYTES, followLinks: true });
    if (!read) return {};
    text = read.bytes.toString("utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw dotEnvError(
      file,
      code === "PATH_SPECIAL_FILE" || code === "PATH_INVALID"
        ? `${file} is not a regular file (a FIFO, device or folder): remove it or replace it with a file`
        : code === "FILE_TOO_LARGE"
          ? `${file} is above the ${MAX_DOTENV_BYTES}-byte limit for a .env file`
          : `${file} cannot be read: fix its permissions or remove it`,
      cause,
    );
  }
  try {
    return parseEnv(text) as Record<string, string>;
  } catch (cause) {
    throw dotEnvError(file, `${file} is not a valid .env file`, cause);
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
  const secrets = new SecretSet([...secretsFromEnv(processEnv), ...secretsFromEnv(dotEnv)]);
  for (const value of Object.values(dotEnv)) secrets.addFromEnv(value);
  const sourceOf = (name: string): EnvSource | undefined =>
    processEnv[name] !== undefined ? "environment" : Object.hasOwn(dotEnv, name) ? "dotenv" : undefined;
  const env = Object.assign(
    (name: string) => {
      const value = processEnv[name] ?? (Object.hasOwn(dotEnv, name) ? dotEnv[name] : undefined);
      secrets.addFromEnv(value);
      return value;
    },
    { sourceOf },
  );
  return {
    projectRoot,
    projectSpace: join(projectRoot, ".ai"),
    userSpace,
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    indexTtlMs: input.indexTtlMs ?? 1000,
    env,
    secrets,
    redact: createRedactor(secrets),
  };
}
