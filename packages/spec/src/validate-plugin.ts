import type { PluginKind, StandardSchemaIssue } from "./plugin-kind";

/**
 * What `validatePlugin` finds: the instance itself when it is of the kind (or, for an older version the
 * kind still accepts, its upgrade, with `upgradedFrom` naming the old tag), else why not.
 */
export type PluginValidation<T> =
  | { readonly ok: true; readonly value: T; readonly upgradedFrom?: string }
  | {
      readonly ok: false;
      /** `no_tag`: no specificationVersion; `wrong_version`: another one; `shape`: a field is wrong. */
      readonly reason: "no_tag" | "wrong_version" | "shape";
      /** Says what is wrong and what to do; the loader prefixes the plugin and its YAML file. */
      readonly message: string;
      readonly issues: readonly StandardSchemaIssue[];
    };

const pathOf = (issue: StandardSchemaIssue): string =>
  (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");

/**
 * Checks that `value` is an instance of `kind`: its version tag first (so an instance from a newer or older
 * contract is named as such, not as a pile of shape errors), then its shape. The kernel's plugin loader and
 * the conformance suites of `@kiwi/testing` both call it, so a plugin passes its tests exactly when the
 * loader accepts it.
 */
export async function validatePlugin<T>(kind: PluginKind<T>, value: unknown): Promise<PluginValidation<T>> {
  const tag = (value as { specificationVersion?: unknown } | null | undefined)?.specificationVersion;
  const older = kind.upgrades?.find((u) => u.specificationVersion === tag);
  if (tag !== kind.specificationVersion && !older) {
    const noTag = tag === undefined;
    const known = [kind.specificationVersion, ...(kind.upgrades ?? []).map((u) => u.specificationVersion)];
    const versions = known.map((v) => `'${v}'`).join(" or ");
    return {
      ok: false,
      reason: noTag ? "no_tag" : "wrong_version",
      message: noTag
        ? `it is not a ${kind.name} plugin (no specificationVersion; expected '${kind.specificationVersion}')`
        : `it declares specificationVersion '${String(tag)}', but this Kiwi knows ${versions} for ${kind.name} plugins: upgrade Kiwi or use a matching plugin version`,
      issues: [{ path: ["specificationVersion"], message: `must be "${kind.specificationVersion}"` }],
    };
  }
  const result = await (older ?? kind).shape["~standard"].validate(value);
  if (result.issues !== undefined && result.issues.length > 0) {
    const detail = result.issues.map((i) => `${pathOf(i) || "(instance)"}: ${i.message}`).join("; ");
    const version = older ? ` (${older.specificationVersion})` : "";
    return {
      ok: false,
      reason: "shape",
      message: `it does not have the ${kind.name} shape${version}: ${detail}`,
      issues: result.issues,
    };
  }
  if (older) return { ok: true, value: older.upgrade(value), upgradedFrom: older.specificationVersion };
  // The instance itself, not a schema's copy: methods and identity must survive.
  return { ok: true, value: value as T };
}
