import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./parse-args";

const cwd = "/home/someone/somewhere";

describe("parseCliArgs", () => {
  it("takes the project from --project", () => {
    expect(parseCliArgs({ argv: ["--project", "/srv/app"], env: {}, cwd })).toEqual({
      kind: "serve",
      projectRoot: "/srv/app",
    });
    expect(parseCliArgs({ argv: ["--project=/srv/app", "--user-space", "/u/.ai"], env: {}, cwd })).toEqual({
      kind: "serve",
      projectRoot: "/srv/app",
      userSpace: "/u/.ai",
    });
  });

  it("falls back to KIWI_PROJECT, and --project wins over it", () => {
    expect(parseCliArgs({ argv: [], env: { KIWI_PROJECT: "/srv/env" }, cwd })).toMatchObject({
      projectRoot: "/srv/env",
    });
    expect(
      parseCliArgs({ argv: ["--project", "/srv/flag"], env: { KIWI_PROJECT: "/srv/env" }, cwd }),
    ).toMatchObject({
      projectRoot: "/srv/flag",
    });
  });

  it("resolves an explicitly given relative path against the working directory", () => {
    expect(parseCliArgs({ argv: ["--project", "app"], env: {}, cwd })).toMatchObject({
      projectRoot: `${cwd}/app`,
    });
  });

  it("never guesses the project from the working directory", () => {
    for (const env of [{}, { KIWI_PROJECT: "" }, { KIWI_PROJECT: "  " }]) {
      const command = parseCliArgs({ argv: [], env, cwd });
      expect(command.kind).toBe("usage-error");
      expect(command.kind === "usage-error" && command.message).toMatch(
        /^kiwi-mcp needs --project \/path\/to\/project \(the project is never guessed from the working directory\)/,
      );
    }
  });

  it("reports unknown options and stray arguments as usage errors", () => {
    expect(parseCliArgs({ argv: ["--projcet", "/x"], env: {}, cwd }).kind).toBe("usage-error");
    expect(parseCliArgs({ argv: ["--project", "/x", "extra"], env: {}, cwd }).kind).toBe("usage-error");
    expect(parseCliArgs({ argv: ["--project", "/x", "--user-space", ""], env: {}, cwd }).kind).toBe(
      "usage-error",
    );
  });

  it("understands --help and --version", () => {
    expect(parseCliArgs({ argv: ["--help"], env: {}, cwd })).toEqual({ kind: "help" });
    expect(parseCliArgs({ argv: ["--version"], env: {}, cwd })).toEqual({ kind: "version" });
  });
});
