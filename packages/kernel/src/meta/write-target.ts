import { KiwiError } from "@kiwi/spec";
import type { KernelContext } from "../kernel-context";
import type { ItemSource } from "../spaces/item-source";

/** The writable space a write action targets: `parameters.location` = project (default) or user. */
export function writeSpace(ctx: KernelContext, location: unknown): ItemSource {
  if (location === undefined || location === "project") return ctx.spaces.project;
  if (location === "user") return ctx.spaces.user;
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: `parameters.location must be 'project' or 'user' (got ${JSON.stringify(location)})`,
    context: { field: "parameters.location" },
  });
}
