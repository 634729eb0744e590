import { describe, expect, it } from "vitest";
import { findBareAmpersand } from "./xml-bare-ampersand";

describe("findBareAmpersand", () => {
  it("finds an & that starts no reference", () => {
    expect(findBareAmpersand("<a>fish & chips</a>")).toBe(8);
    expect(findBareAmpersand("<a x='a&b'/>")).toBe(7);
    expect(findBareAmpersand("<a>&#xZZ;</a>")).toBe(3);
  });

  it("accepts entity and character references", () => {
    expect(findBareAmpersand("<a>&amp; &lt; &#65; &#x41; &custom;</a>")).toBeUndefined();
  });

  it("ignores & inside CDATA, comments and processing instructions", () => {
    expect(findBareAmpersand("<a><![CDATA[a && b]]><!-- x & y --><?pi a & b?></a>")).toBeUndefined();
    expect(findBareAmpersand("<a><![CDATA[ok]]> & </a>")).toBe(18);
  });
});
