// Test support (not exported): the recorded Chat Completions streams in __fixtures__.
import { readSseFixture, type SseFixture } from "@kiwi/testing";

export const fixture = (name: string): SseFixture =>
  readSseFixture(new URL(`./__fixtures__/${name}`, import.meta.url));
