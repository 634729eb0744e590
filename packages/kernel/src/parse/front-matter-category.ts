import { type Issue, issue } from "../diagnostics";

/**
 * The issue for a YAML `category:` field (tool or knowledge front matter) that names another folder
 * than the one the file is in; undefined when it matches or is absent.
 */
export function categoryMismatch(file: string, declared: unknown, folderCategory: string): Issue | undefined {
  if (typeof declared !== "string" || declared === folderCategory) return undefined;
  return issue(
    file,
    "category",
    `category "${declared}" does not match the folder category "${folderCategory}"`,
    `move the file to the "${declared}" category folder, write category: ${folderCategory}, or remove category`,
  );
}
