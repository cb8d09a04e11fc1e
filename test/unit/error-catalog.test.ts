/**
 * The error catalog (#12): each entry has a distinct, stable reason and a Connect code, its
 * factory makes errors of that entry, and the README's table documents every reason.
 */
import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import * as errors from "../../server/errors.js";
import { codeOfKind, DomainError, errorCatalog } from "../../server/errors.js";

describe("the error catalog", () => {
  it("gives every entry a distinct UPPER_SNAKE_CASE reason and a Connect code", () => {
    const reasons = errorCatalog.map((e) => e.reason);
    expect(reasons.length).toBeGreaterThanOrEqual(25);
    expect(new Set(reasons).size, `duplicated: ${reasons.filter((r, i) => reasons.indexOf(r) !== i).join(", ")}`).toBe(reasons.length);
    for (const entry of errorCatalog) {
      expect(entry.reason).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(Object.values(Code)).toContain(codeOfKind[entry.kind]);
      expect(entry.when.length, entry.reason).toBeGreaterThan(0);
    }
  });

  it("makes an error of its entry with each factory: the reason, kind and message it says", () => {
    const made = [errors.notFound("note", "n1"), errors.nameTaken("item", "web"), errors.statusInUse(2), errors.loginThrottled(30), errors.invalidArgument("name", "is required")];
    expect(made.map((e) => [e.reason, e.kind, e.message, e.field, e.metadata, e.retryAfterSeconds])).toEqual([
      ["NOTE_NOT_FOUND", "not_found", 'note "n1" not found', undefined, { id: "n1" }, undefined],
      ["NAME_TAKEN", "already_exists", 'an item named "web" already exists', "name", { name: "web" }, undefined],
      ["STATUS_IN_USE", "failed_precondition", "status is used by 2 items", undefined, { items: "2" }, undefined],
      ["LOGIN_THROTTLED", "resource_exhausted", "too many failed logins; try again in 30 s", undefined, {}, 30],
      ["FIELD_INVALID", "invalid_argument", "name: is required", "name", {}, undefined],
    ]);
    for (const error of made) expect(errorCatalog.map((e) => e.reason)).toContain(error.reason);
    expect(made.every((e) => e instanceof DomainError)).toBe(true);
  });

  it("is documented: the README's error table lists every reason with its code", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const entry of errorCatalog) {
      expect(readme, `README row for ${entry.reason}`).toMatch(new RegExp(`^\\| \`${entry.reason}\` \\| \`${entry.kind}\` \\|`, "m"));
    }
  });
});
