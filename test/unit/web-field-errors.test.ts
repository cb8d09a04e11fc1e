import { describe, expect, it } from "vitest";
import type { Action } from "../../web/src/lib/admin/action.svelte.js";
import { placeFieldErrors } from "../../web/src/lib/admin/field-errors.js";

/** Just what placeFieldErrors reads of an Action: the last failure's fields. */
const failed = (fields: Record<string, string>) => ({ error: { fields } }) as unknown as Action;

describe("placeFieldErrors", () => {
  it("puts the server's problem beside the control that answers for its field path", () => {
    const placed = placeFieldErrors(failed({ ends_at: "Must be after starts_at.", "item_ids[2]": "No such item.", "items[0].status_id": "No such status." }), {
      ends: ["ends_at"],
      items: ["item_ids", "items"],
    });
    expect(placed.at("ends")).toBe("Must be after starts_at.");
    expect(placed.at("items")).toBe("No such item. No such status.");
    expect(placed.rest).toEqual([]);
  });

  it("returns what no control answers for, to be said at the top of the form", () => {
    const placed = placeFieldErrors(failed({ incident: "Nothing to change." }), { title: ["title"] });
    expect(placed.at("title")).toBeUndefined();
    expect(placed.rest).toEqual(["incident: Nothing to change."]);
  });

  it("does not take a field for another that merely starts with the same letters", () => {
    expect(placeFieldErrors(failed({ titles: "x" }), { title: ["title"] }).at("title")).toBeUndefined();
  });
});
