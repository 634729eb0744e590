import { describe, expect, it } from "vitest";
import { executeInput, quickExecuteInput } from "./inputs";

const base = { item_type: "tool", action: "run", item_id: "greet" };

describe("quickExecuteInput", () => {
  it.each([
    ["the minimal call", base],
    ["parameters", { ...base, parameters: { who: "ada", n: 3, list: [1, 2], nested: { a: null } } }],
    ["an empty parameters object", { ...base, parameters: {} }],
    [
      "a null-prototype parameters object",
      { ...base, parameters: Object.assign(Object.create(null), { a: 1 }) },
    ],
    ["a project path", { ...base, project_path: "/tmp/x" }],
    ["an undefined project path", { ...base, project_path: undefined }],
    [
      "keys in another order",
      { parameters: { a: 1 }, item_id: "c/x", action: "sign", item_type: "directive" },
    ],
    ["an id of 200 characters", { ...base, item_id: "x".repeat(200) }],
  ])("returns what zod returns for %s", (_name, input) => {
    const quick = quickExecuteInput(input);
    expect(quick).toBeDefined();
    expect(quick).toStrictEqual(executeInput.parse(input));
    expect(Object.keys(quick!)).toEqual(Object.keys(executeInput.parse(input)));
  });

  it("copies the parameters, like zod", () => {
    const parameters = { a: 1 };
    expect(quickExecuteInput({ ...base, parameters })!.parameters).not.toBe(parameters);
  });

  it.each([
    ["an unknown key", { ...base, extra: 1 }],
    ["an unknown item type", { ...base, item_type: "tools" }],
    ["an unknown action", { ...base, action: "runn" }],
    ["an empty id", { ...base, item_id: "" }],
    ["an id of 201 characters", { ...base, item_id: "x".repeat(201) }],
    ["a numeric id", { ...base, item_id: 7 }],
    ["array parameters", { ...base, parameters: [1] }],
    ["null parameters", { ...base, parameters: null }],
    ["class-instance parameters", { ...base, parameters: new Date() }],
    ["a __ parameter", { ...base, parameters: { __auth: "x" } }],
    ["a __proto__ parameter", { ...base, parameters: JSON.parse('{"__proto__": {"x": 1}}') }],
    ["a numeric project path", { ...base, project_path: 1 }],
    ["no object", "run greet"],
    ["null", null],
    ["an array", [base]],
  ])("leaves %s to zod", (_name, input) => {
    expect(quickExecuteInput(input)).toBeUndefined();
  });
});
