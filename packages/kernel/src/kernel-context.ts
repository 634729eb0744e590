import type { SigningKey } from "@kiwi/keys";
import type { Authorizer, HelpSignalHandler } from "@kiwi/spec";
import type { PrimitiveRegistry } from "./executor/primitive-registry";
import type { IntegrityVerifier } from "./integrity/item-integrity";
import type { ItemReader } from "./library/item-reader";
import type { Library } from "./library/library";
import type { PluginLoader } from "./plugins/plugin-loader";
import type { ResolvedSettings } from "./settings";
import type { ItemSource } from "./spaces/item-source";

/** Everything the meta-tools share. Internal: the public surface is the Kernel object. */
export interface KernelContext {
  readonly settings: ResolvedSettings;
  readonly library: Library;
  readonly reader: ItemReader;
  readonly verifier: IntegrityVerifier;
  readonly primitives: PrimitiveRegistry;
  readonly plugins: PluginLoader;
  readonly spaces: {
    readonly project: ItemSource;
    readonly user: ItemSource;
    readonly core?: ItemSource;
    readonly plugins: readonly ItemSource[];
    readonly registry?: ItemSource;
  };
  readonly authorizer?: Authorizer;
  readonly signalHandler?: HelpSignalHandler;
  readonly signingKey: () => Promise<SigningKey>;
  readonly now: () => Date;
  /** The capability registry built from the library's capability sets (rebuilt on refresh). */
  readonly capabilities: () => import("@kiwi/capabilities").CapabilityRegistry;
  /** Maintainers' mode: directives with system capabilities may be signed. */
  readonly allowSystemCaps: boolean;
  /** The person at their own terminal drives this kernel: tokenless item writes are theirs. */
  readonly personAtTerminal: boolean;
}
