import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { folderCycles, folderImportGraph } from "../helpers/folder-graph.js";

const SERVER = fileURLToPath(new URL("../../server", import.meta.url));

describe("server/ layers", () => {
  it("has no import cycle between its folders (and root files)", () => {
    const cycles = folderCycles(folderImportGraph(SERVER)).map((cycle) => cycle.map((edge) => `${edge.from} → ${edge.to} (${edge.example})`).join("; "));
    // Each cycle is listed with one import per step, so the message says what to move.
    expect(cycles).toEqual([]);
  });

  it("sees a cycle where there is one", () => {
    const graph = new Map([
      ["auth", new Map([["service", "auth/guard.ts imports ../service/auth.js"]])],
      ["service", new Map([["auth", "service/auth.ts imports ../auth/passwords.js"]])],
      ["rpc", new Map([["service", "rpc/items-rpc.ts imports ../service/items.js"]])],
    ]);
    expect(folderCycles(graph).map((cycle) => cycle.map((edge) => edge.from))).toEqual([["auth", "service"]]);
  });

  it("reads the real imports: server/ has the layers it is known to have", () => {
    const graph = folderImportGraph(SERVER);
    expect(graph.get("rpc")?.has("service")).toBe(true);
    expect(graph.get("app.ts")?.has("rpc")).toBe(true);
    // Sub-folders belong to their top folder: store/sqlite is part of store.
    expect([...graph.keys()].some((node) => node.includes("/"))).toBe(false);
  });
});
