/**
 * The Standard Schema interface (standardschema.dev), written out here so this package keeps no runtime
 * dependency. zod's schemas implement it, so a host may still describe its own plugin kind with zod.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/**
 * A plugin kind: what the `module` + `export` of a data definition of that kind must produce. The kernel's
 * plugin loader checks it (`kernel.instantiatePlugin({itemId, kind})`), and so do the conformance suites of
 * `@kiwi/testing`, from this one definition.
 */
export interface PluginKind<T> {
  /** `sink`, `provider`, `harness`: named in every error. */
  readonly name: string;
  /** The version tag an instance must carry (`provider-v1`). */
  readonly specificationVersion: string;
  /** The instance's shape (fields besides the tag), as a Standard Schema. */
  readonly shape: StandardSchemaV1<unknown, T>;
  /**
   * Older contract versions still accepted: an instance carrying one of these tags is checked against
   * that version's shape, then upgraded to `T` (`HARNESS_KIND` runs `harness-v1` plugins this way).
   */
  readonly upgrades?: readonly PluginUpgrade<T>[];
}

/** An older version of a plugin kind, and how an instance of it becomes one of the current version. */
export interface PluginUpgrade<T> {
  /** The older tag (`harness-v1`). */
  readonly specificationVersion: string;
  /** That version's shape. */
  readonly shape: StandardSchemaV1;
  /** Wraps a checked older instance as a current one. */
  upgrade(value: unknown): T;
}
