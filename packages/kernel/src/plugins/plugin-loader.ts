import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { KiwiError, type PluginKind, validatePlugin } from "@kiwi/spec";
import { resolve as resolveSpecifier } from "import-meta-resolve";
import { isPathModule, resolvePathModule } from "../integrity/tool-attachments";
import { packageNameOf } from "../spaces/find-package";

/** Where a plugin is declared: its YAML file and the module/export it names. */
export interface PluginDeclaration {
  /** Package specifier (`@kiwi/sink-websocket`) or a path inside the item's space (`./my-sink.mjs`). */
  readonly module: string;
  readonly export: string;
  /** Absolute path of the YAML definition. */
  readonly definitionFile: string;
  /** Root of the space holding the definition (path modules must stay inside it). */
  readonly spaceRoot: string | undefined;
  /**
   * Where the options were written when that is not the definition itself — a sink's settings sit in the
   * `stream.destinations` of the tool that streams to it — so an invalid option is reported against the
   * file a person has to fix, not the plugin's own YAML.
   */
  readonly optionsFrom?: { readonly file: string; readonly field: string };
  /**
   * Definition files of the same plugin where a package ships it (the core bundle inside @kiwi/kernel, a
   * plugin package), when the declaration is a copy elsewhere (`kiwi init` copies the core bundle into the
   * project). A package module resolves from there too, so a copy works wherever the original does.
   */
  readonly shippedWith?: readonly string[];
}

// The kinds themselves (SINK_KIND, PROVIDER_KIND, HARNESS_KIND) and their check live in @kiwi/spec, so the
// conformance suites plugins run apply exactly what this loader applies.
export type { PluginKind };

interface StandardSchemaLike {
  "~standard": {
    validate(
      value: unknown,
    ):
      | { value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] }
      | Promise<{ value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] }>;
  };
}

function loadError(decl: PluginDeclaration, message: string, cause?: unknown, code = "PLUGIN_LOAD_FAILED") {
  return new KiwiError({
    code,
    message: `plugin ${decl.module}#${decl.export} (declared in ${decl.definitionFile}): ${message}`,
    context: { module: decl.module, export: decl.export, file: decl.definitionFile },
    cause,
  });
}

function invalidOptions(
  decl: PluginDeclaration,
  issues: readonly { message: string; path?: readonly unknown[] }[],
): KiwiError {
  const detail = issues.map((i) => `${(i.path ?? []).join(".") || "(options)"}: ${i.message}`).join("; ");
  const from = decl.optionsFrom;
  if (!from) return loadError(decl, `invalid options: ${detail}`, undefined, "PLUGIN_INVALID");
  return new KiwiError({
    code: "PLUGIN_INVALID",
    message: `${from.file}: ${from.field} has invalid options for plugin ${decl.module}#${decl.export}: ${detail}; fix them in ${from.file}`,
    context: {
      file: from.file,
      field: from.field,
      module: decl.module,
      export: decl.export,
      definition_file: decl.definitionFile,
    },
  });
}

/**
 * The file a resolution starts from, with symlinks resolved: Node resolves a package's imports from its
 * real location, and under pnpm (or a linked global install) only the real location's `node_modules`
 * holds the package's own dependencies.
 */
function realParent(file: string): string {
  try {
    return pathToFileURL(realpathSync(file)).href;
  } catch {
    return pathToFileURL(file).href; // not on disk (a test's declaration): resolve from the path as given
  }
}

async function resolveUrl(decl: PluginDeclaration, projectRoot: string): Promise<string> {
  if (isPathModule(decl.module)) {
    if (!decl.spaceRoot) throw loadError(decl, "a path module needs a definition inside a local space");
    const { file } = await resolvePathModule({
      module: decl.module,
      definitionFile: decl.definitionFile,
      spaceRoot: decl.spaceRoot,
    });
    return pathToFileURL(file).href;
  }
  // The definition's own folder, then the project, then the packages that ship the same item: never the
  // process's working directory.
  const parents = [
    realParent(decl.definitionFile),
    pathToFileURL(join(projectRoot, "package.json")).href,
    ...(decl.shippedWith ?? []).map(realParent),
  ];
  let lastError: unknown;
  for (const parent of new Set(parents)) {
    try {
      return resolveSpecifier(decl.module, parent);
    } catch (error) {
      lastError = error;
    }
  }
  const shipping = decl.shippedWith?.length
    ? `, the project, or ${decl.shippedWith.map(dirname).join(", ")}`
    : " or the project";
  throw loadError(
    decl,
    `cannot find package '${packageNameOf(decl.module)}' from ${dirname(decl.definitionFile)}${shipping}: run npm install ${packageNameOf(decl.module)}`,
    lastError,
  );
}

/**
 * Turns a YAML `module` + `export` into a validated plugin instance: resolve (definition folder, then the
 * project, then where a package ships the same item), import lazily (cached), check the export, validate options against the plugin's own settings
 * schema (any Standard Schema on `factory.settingsSchema`), call the factory, check the version tag and
 * the shape. Every failure names the plugin and the YAML file.
 */
export class PluginLoader {
  readonly #projectRoot: string;
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();
  readonly #resolved = new Map<string, string>();

  constructor(options: { projectRoot: string }) {
    this.#projectRoot = options.projectRoot;
  }

  async importExport(decl: PluginDeclaration): Promise<unknown> {
    // Package specifiers resolve the same way for the process's life (the import itself is cached by
    // Node anyway); path modules are re-resolved each time so their containment check always runs.
    const cacheKey = isPathModule(decl.module)
      ? undefined
      : [decl.module, decl.definitionFile, ...(decl.shippedWith ?? [])].join("\0");
    let url = cacheKey ? this.#resolved.get(cacheKey) : undefined;
    if (!url) {
      url = await resolveUrl(decl, this.#projectRoot);
      if (cacheKey) this.#resolved.set(cacheKey, url);
    }
    let loading = this.#modules.get(url);
    if (!loading) {
      loading = import(url) as Promise<Record<string, unknown>>;
      this.#modules.set(url, loading);
      loading.catch(() => this.#modules.delete(url));
    }
    let mod: Record<string, unknown>;
    try {
      mod = await loading;
    } catch (cause) {
      throw loadError(decl, `importing ${url} failed: ${(cause as Error).message}`, cause);
    }
    if (!(decl.export in mod)) {
      const names = Object.keys(mod).join(", ") || "nothing";
      throw loadError(
        decl,
        `the module has no export '${decl.export}' (it exports ${names})`,
        undefined,
        "PLUGIN_INVALID",
      );
    }
    return mod[decl.export];
  }

  /**
   * @param options the plugin's settings from the data definition (validated by its settingsSchema)
   * @param context what the plugin kind passes besides settings (a sink gets a SinkContext)
   */
  async instantiate<T>(
    decl: PluginDeclaration,
    kind: PluginKind<T>,
    options: unknown = {},
    context?: unknown,
  ): Promise<T> {
    const exported = await this.importExport(decl);
    let settings = options;
    let instance: unknown = exported;
    if (typeof exported === "function") {
      const schema = (exported as { settingsSchema?: StandardSchemaLike }).settingsSchema;
      if (schema?.["~standard"]) {
        const result = await schema["~standard"].validate(options);
        if (result.issues?.length) throw invalidOptions(decl, result.issues);
        settings = result.value;
      }
      try {
        instance = await (exported as (s: unknown, c: unknown) => unknown)(settings, context);
      } catch (cause) {
        // A plugin's own Kiwi error (PATH_OUTSIDE_PROJECT from a file sink…) is the clearest answer.
        if (KiwiError.isInstance(cause)) throw cause;
        throw loadError(decl, `the factory threw: ${(cause as Error).message}`, cause);
      }
    }
    const checked = await validatePlugin(kind, instance);
    if (!checked.ok) throw loadError(decl, checked.message, undefined, "PLUGIN_INVALID");
    return checked.value;
  }
}
