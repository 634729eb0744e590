import { sep } from "node:path";
import { CapabilityRegistry, createCapabilityGuard, TokenVerifier } from "@kiwi/capabilities";
import { loadKeyring, loadOrCreateSigningKey, type SigningKey } from "@kiwi/keys";
import { createHttpClientPrimitive } from "@kiwi/primitives";
import { createSubprocessPrimitive } from "@kiwi/primitives/node";
import { createFilesystemPrimitive } from "@kiwi/sandbox";
import type { SecretSet } from "@kiwi/sinks";
import {
  type Authorizer,
  type HelpSignalHandler,
  KiwiError,
  type KiwiErrorObject,
  type PrimitiveV1,
  toToolFailure,
} from "@kiwi/spec";
import { version as kernelVersion } from "../package.json";
import { CORE_PUBLIC_KEYS } from "./core-keys";
import { bundledCoreSpace } from "./core-space";
import { createEchoPrimitive } from "./executor/echo-primitive";
import { PrimitiveRegistry } from "./executor/primitive-registry";
import { createThreadsUnavailablePrimitive } from "./executor/threads-unavailable-primitive";
import { VerificationCacheFile } from "./files/verification-cache-file";
import { type KernelSession, type KernelSessionOptions, openKernelSession } from "./host/kernel-session";
import { IntegrityVerifier } from "./integrity/item-integrity";
import type { KernelContext } from "./kernel-context";
import type { CallOptions, KernelMetaTools, MetaResult } from "./kernel-types";
import { buildCapabilityRegistry, checkDirectives } from "./library/capability-policy";
import { checkToolChains } from "./library/check-tools";
import { ItemReader } from "./library/item-reader";
import { Library, type LibraryEntry } from "./library/library";
import { verificationCacheKey, verificationCacheTag } from "./library/verification-cache";
import type { Limits } from "./limits";
import { execute } from "./meta/execute";
import { help } from "./meta/help";
import { load } from "./meta/load";
import { readVerified } from "./meta/resolve-item";
import { type DirectiveRunResult, runDirective } from "./meta/run-directive";
import { search } from "./meta/search";
import { readSystemPrompt, signSystemPrompt } from "./meta/system-prompt";
import { type PluginKind, PluginLoader } from "./plugins/plugin-loader";
import { shippedWith } from "./plugins/shipped-with";
import { resolveSettings } from "./settings";
import { createDirectorySpace } from "./spaces/directory-space";
import type { ItemSource, RegistrySource } from "./spaces/item-source";
import { discoverPluginSpacesWithHosts, type PluginSpaceProblem } from "./spaces/plugin-spaces";

export interface KernelOptions {
  /** The project this kernel serves. Required, absolute, pinned for the kernel's life. */
  projectRoot: string;
  /** The user space. Default: KIWI_USER_SPACE, then ~/.ai. Holds the signing key. */
  userSpace?: string;
  /** Environment for `${ENV}` and settings (default process.env); the project's .env fills gaps. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Primitives tool chains may end in, besides the built-in `echo`, `subprocess` and `http_client` (same id replaces). */
  primitives?: readonly PrimitiveV1[];
  /** An optional read-only registry searched last and loadable into the project or user space. */
  registry?: RegistrySource;
  /** The bundled core space folder; `false` disables it. Default: the `.ai` shipped with this package. */
  coreSpace?: string | false;
  /** Discover items in installed packages with a `kiwi` field (default true). */
  pluginSpaces?: boolean;
  /**
   * Package folders whose dependencies are also searched for plugin packages, after the project's own
   * (a package the project installs itself wins): a host's installation, such as the `kiwi` command's
   * folder, so the provider plugins installed with it serve a project that has none.
   */
  pluginPackagesFrom?: readonly string[];
  /**
   * Folders of packages whose own `kiwi` items join the plugin spaces after the project's dependencies
   * (a host's built-in plugins: the thread runtime adds its default harness this way). A package the
   * project already depends on is not added twice.
   */
  pluginPackages?: readonly string[];
  /** Extra trusted public keys (PEM). The user's own key and `<userSpace>/keys/trusted/*.pub` always count. */
  trustedKeys?: readonly { pem: string; origin: string }[];
  /**
   * The tool layer's guard. Default: Kiwi's capability guard (tokens verified with the user's key, tool
   * ids, required capabilities, categories, item writes); `false` runs without one (everything allowed:
   * only for embedding where another layer enforces). A given authorizer replaces the default.
   */
  guard?: false;
  /** Called before every tool run, item read and item write; replaces the default capability guard. */
  authorizer?: Authorizer;
  /** Receives help signals (stuck, escalate, checkpoint). */
  signalHandler?: HelpSignalHandler;
  limits?: Partial<Limits>;
  /** Maintainers only: allow signing directives that grant system capabilities (the core bundle). */
  allowSystemCaps?: boolean;
  /**
   * The person at their own terminal drives this kernel (the `kiwi` CLI): a call without a capability
   * token may create, update, sign and delete items, with the person's key. Never set it for a server
   * (`kiwi serve`), an app or anything a model or a remote client drives: without it every item write
   * needs `item.sign` in the caller's token (a per-call `asPerson` is for code acting for the person).
   */
  personAtTerminal?: boolean;
  /** How long the search index may be reused before re-scanning the spaces (default 1000 ms). */
  indexTtlMs?: number;
  /** Clock for signature timestamps (tests). */
  now?: () => Date;
}

/** The kernel: the four meta-tools plus introspection for the CLI and servers. */
export interface Kernel extends KernelMetaTools {
  readonly projectRoot: string;
  readonly userSpace: string;
  /**
   * What must never be written or sent anywhere in the clear: every `.env` value, the environment's
   * secret-looking values and every value an `${ENV}` template has read (it grows as tools run). The
   * kernel redacts every destination sink with it; a thread runtime redacts transcripts and the registry.
   * A host may add the secrets it holds.
   */
  readonly secrets: SecretSet;
  /** Spaces in precedence order. */
  readonly spaces: readonly ItemSource[];
  /** Every item with its problem, if any, after a fresh scan. */
  inventory(): Promise<readonly LibraryEntry[]>;
  /**
   * Parses an unverified item the way signing it would, for the person at their own terminal (`kiwi
   * validate`): the parse or validation problem signing would meet, or undefined when it parses. Never
   * for a model: an unverified item's text is not shown to one (search, load and run only ever parse
   * verified bytes).
   */
  checkBeforeSigning(entry: LibraryEntry): Promise<KiwiErrorObject | undefined>;
  /** The verified `AGENTS.md` (project, then user, then core). Throws INTEGRITY_MISMATCH or ITEM_NOT_FOUND. */
  systemPrompt(): Promise<Awaited<ReturnType<typeof readSystemPrompt>>>;
  /** Signs the project's or user's `AGENTS.md` with the user key. */
  signSystemPrompt(location: "project" | "user"): Promise<MetaResult>;
  /**
   * Instantiates a code-bearing tool (a sink, harness or provider definition: `module` + `export`) after
   * verifying its item, through the plugin loader: the export is checked against `kind`, options
   * against the plugin's own settings schema.
   */
  instantiatePlugin<T>(options: {
    itemId: string;
    kind: PluginKind<T>;
    settings?: unknown;
    context?: unknown;
  }): Promise<T>;
  /** The capability registry built from the library's capability sets (fresh after a refresh). */
  capabilities(): Promise<CapabilityRegistry>;
  /** The user space's signing key (created on first use). */
  signingKey(): Promise<SigningKey>;
  readonly plugins: PluginLoader;
  /** Installed packages whose `kiwi` field could not be used, with the reason (shown by `kiwi validate`). */
  readonly pluginProblems: readonly PluginSpaceProblem[];
  /**
   * The four meta-tools acting under a directive's permissions (system capabilities never included): an
   * application runs its own guarded tools without minting tokens. Throws the kernel's error when the
   * directive cannot be read (ITEM_NOT_FOUND, INTEGRITY_MISMATCH…) or its permissions do not parse.
   */
  as(directive: string, options?: KernelSessionOptions): Promise<KernelSession>;
  /**
   * `execute(directive, run)` for runtime code, typed: the verified directive with its inputs checked.
   * Throws the kernel's error (ITEM_NOT_FOUND, INTEGRITY_MISMATCH, PARAM_MISSING …) instead of returning it.
   */
  runDirective(
    id: string,
    inputs?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<DirectiveRunResult>;
}

async function guarded(fn: () => Promise<MetaResult>): Promise<MetaResult> {
  try {
    return await fn();
  } catch (error) {
    return toToolFailure(error);
  }
}

/** Creates a kernel for one pinned project. */
export async function createKernel(options: KernelOptions): Promise<Kernel> {
  const settings = resolveSettings(options);
  const now = options.now ?? (() => new Date());
  const project = createDirectorySpace({
    name: "project",
    kind: "project",
    root: settings.projectSpace,
    writable: true,
  });
  const user = createDirectorySpace({ name: "user", kind: "user", root: settings.userSpace, writable: true });
  const coreDir = options.coreSpace === false ? undefined : (options.coreSpace ?? bundledCoreSpace());
  const core = coreDir
    ? createDirectorySpace({ name: "core", kind: "core", root: coreDir, writable: false })
    : undefined;
  const discovered =
    options.pluginSpaces === false
      ? { spaces: [], problems: [] }
      : await discoverPluginSpacesWithHosts(settings.projectRoot, options.pluginPackagesFrom ?? [], {
          packageDirs: options.pluginPackages,
        });
  const plugins = discovered.spaces;
  const sources = [
    project,
    user,
    ...(core ? [core] : []),
    ...plugins,
    ...(options.registry ? [options.registry] : []),
  ];

  let key: Promise<SigningKey> | undefined;
  const signingKey = () => {
    key ??= loadOrCreateSigningKey({ userSpace: settings.userSpace });
    key.catch(() => {
      key = undefined;
    });
    return key;
  };
  const own = await signingKey();
  const keyring = await loadKeyring({
    userSpace: settings.userSpace,
    ownKey: own.publicKey,
    extra: options.trustedKeys,
  });
  for (const pem of CORE_PUBLIC_KEYS) keyring.add(pem, "core");
  const verifier = new IntegrityVerifier(keyring);
  // What earlier runs proved about unchanged files, kept in the user space and authenticated with a key
  // derived from the user's signing key. Parse results depend on the kernel version and the limits.
  const cacheFile = new VerificationCacheFile({
    userSpace: settings.userSpace,
    key: verificationCacheKey(own.privateKey),
    tag: verificationCacheTag({ kernelVersion, limits: settings.limits }),
  });
  const verificationCache = await cacheFile.load();
  const reader = new ItemReader({ limits: settings.limits, verifier, cache: verificationCache });
  // The tool-layer guard: tokens are minted by the harness with the user's key and verified with it.
  const guard =
    options.guard === false
      ? undefined
      : createCapabilityGuard({
          verifier: new TokenVerifier({ keys: [{ keyId: own.keyId, publicKey: own.publicKey }] }),
          registry: () => capabilityRegistry,
        });
  // Built-in primitives first; a caller's primitive with the same id replaces the built-in one.
  const builtIn: PrimitiveV1[] = [
    createEchoPrimitive(),
    createSubprocessPrimitive({ env: options.env ?? process.env }),
    createHttpClientPrimitive(),
    createFilesystemPrimitive({ guard }),
    createThreadsUnavailablePrimitive(),
  ];
  const given = options.primitives ?? [];
  const primitives = new PrimitiveRegistry([
    ...builtIn.filter((b) => !given.some((p) => p.id === b.id)),
    ...given,
  ]);
  const roots = sources.flatMap((s) => (s.root ? [s.root.endsWith(sep) ? s.root : s.root + sep] : []));
  const library = new Library({
    sources,
    reader,
    ttlMs: settings.indexTtlMs,
    now: () => performance.now(),
    afterRefresh: () => cacheFile.saveIfDue(verificationCache, roots),
  });
  let capabilityRegistry = new CapabilityRegistry();
  library.onRefresh = (lib) => {
    checkToolChains(lib, (id) => primitives.has(id));
    capabilityRegistry = buildCapabilityRegistry(lib);
    checkDirectives(lib, capabilityRegistry);
  };
  const pluginLoader = new PluginLoader({ projectRoot: settings.projectRoot });
  const ctx: KernelContext = {
    settings,
    library,
    reader,
    verifier,
    primitives,
    plugins: pluginLoader,
    spaces: { project, user, core, plugins, registry: options.registry },
    authorizer: options.authorizer ?? guard?.authorizer,
    signalHandler: options.signalHandler,
    signingKey,
    now,
    capabilities: () => capabilityRegistry,
    allowSystemCaps: options.allowSystemCaps === true,
    personAtTerminal: options.personAtTerminal === true,
  };
  const kernel: Kernel = {
    projectRoot: settings.projectRoot,
    userSpace: settings.userSpace,
    secrets: settings.secrets,
    spaces: sources,
    plugins: pluginLoader,
    pluginProblems: discovered.problems,
    signingKey,
    search: (input, opts?: CallOptions) => guarded(() => search(ctx, input, opts)),
    load: (input, opts?: CallOptions) => guarded(() => load(ctx, input, opts)),
    execute: (input, opts?: CallOptions) => guarded(() => execute(ctx, input, opts)),
    help: (input, opts?: CallOptions) => guarded(() => help(ctx, input, opts)),
    systemPrompt: () => readSystemPrompt(ctx),
    signSystemPrompt: (location) => guarded(() => signSystemPrompt(ctx, location)),
    async instantiatePlugin({ itemId, kind, settings, context }) {
      const item = await readVerified(ctx, "tool", itemId);
      const def = item.parsed.itemType === "tool" ? item.parsed.data : undefined;
      if (!def?.module || !def.export) {
        throw new KiwiError({
          code: "PLUGIN_INVALID",
          message: `${item.label} names no module and export: it is not a plugin definition`,
          context: { item_id: itemId },
        });
      }
      const decl = {
        module: def.module,
        export: def.export,
        definitionFile: item.file.location,
        spaceRoot: item.space.root,
        shippedWith: shippedWith(library, item),
      };
      return pluginLoader.instantiate(decl, kind, settings ?? {}, context);
    },
    async capabilities() {
      await library.ensureFresh();
      return capabilityRegistry;
    },
    async inventory() {
      await library.ensureFresh(true);
      await cacheFile.save(verificationCache, roots);
      return library.entries();
    },
    as: (directive, sessionOptions) => openKernelSession(kernel, ctx, directive, sessionOptions),
    runDirective: (id, inputs = {}, opts = {}) => runDirective(ctx, id, inputs, opts),
    async checkBeforeSigning(entry) {
      try {
        await reader.read(entry.space, entry.file);
        return undefined;
      } catch (error) {
        if (!KiwiError.isInstance(error)) throw error;
        return error.toJSON();
      }
    },
  };
  return kernel;
}
