/**
 * The admin console's form logic: the browser's checks refuse exactly what the server refuses,
 * errors read as words by Connect code, and an edit form never loses the admin's typing to
 * someone else's change.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { checkNewPassword as serverCheckNewPassword } from "../../server/auth/passwords.js";
import { checkUsername as serverCheckUsername } from "../../server/service/users.js";
import { checkDescription as serverCheckDescription, requireColor, requireName, requireNoteText } from "../../server/service/validate.js";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { loginRequired, loginThrottled, passwordChangeRequired, statusInUse, wrongCredentials } from "../../server/errors.js";
import { toConnectError } from "../../server/wire/client-error.js";
import { Draft } from "../../web/src/lib/admin/draft.svelte.js";
import { explainError } from "../../web/src/lib/admin/errors.js";
import { checkColor, checkDescription, checkName, checkNewPassword, checkNoteText, checkUsername } from "../../web/src/lib/admin/validate.js";

/** Whether a server validator accepts the value (it throws invalid_argument when not). */
const serverAccepts = (check: () => unknown) => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};

describe("the browser's checks match the server's", () => {
  const emoji = "😀";
  const cases: Array<[string, (v: string) => string | undefined, (v: string) => unknown, string[]]> = [
    [
      "name",
      checkName,
      (v) => requireName("name", v),
      ["", "   ", "a", " padded ", "x".repeat(200), "x".repeat(201), emoji.repeat(200), emoji.repeat(201), ` ${"x".repeat(200)} `],
    ],
    ["description", checkDescription, (v) => serverCheckDescription("description", v), ["", "x".repeat(2000), "x".repeat(2001), emoji.repeat(2000), emoji.repeat(2001)]],
    ["note", checkNoteText, (v) => requireNoteText("note_text", v), ["", " \n ", "ok", "x".repeat(10_000), "x".repeat(10_001)]],
    ["color", checkColor, (v) => requireColor("color", v), ["", "#abc", "#ABCDEF", " #abcdef ", "#abcd", "red", "#GGGGGG", "url(x)", "#abc;background:red"]],
    ["username", checkUsername, (v) => serverCheckUsername("username", v), ["", "admin", "a.b_c@d-e", "-lead", "with space", "x".repeat(64), "x".repeat(65), "<script>"]],
  ];
  for (const [what, client, server, values] of cases) {
    it(`${what}: refused in the browser exactly when the server refuses it`, () => {
      for (const value of values) expect(client(value) === undefined, JSON.stringify(value).slice(0, 40)).toBe(serverAccepts(() => server(value)));
    });
  }
  it("new password: the same rules, the username included", () => {
    for (const [password, username] of [
      ["short", "bob"],
      ["ten chars!", "bob"],
      ["x".repeat(256), "bob"],
      ["x".repeat(257), "bob"],
      ["Bob-the-admin", "bob-the-admin"],
      ["😀".repeat(10), "bob"],
    ]) {
      expect(checkNewPassword(password!, username!) === undefined, password).toBe(serverAccepts(() => serverCheckNewPassword("p", password!, username!)));
    }
  });
});

describe("errors in words", () => {
  const withField = (code: Code, message: string, field: string, description: string) =>
    new ConnectError(message, code, undefined, [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, description }] }) }]);

  it("already_exists with a named field: beside the field, naming the kind of thing", () => {
    const got = explainError(withField(Code.AlreadyExists, 'a status named "Up" already exists', "name", 'a status named "Up" already exists'), { noun: "status" });
    expect(got.fields).toEqual({ name: "A status with that name already exists." });
    expect(got.message).toBe("Please correct the highlighted field.");
    expect(explainError(withField(Code.AlreadyExists, "x", "username", "x"), { noun: "user" }).fields).toEqual({ username: "A user with that username already exists." });
  });

  it("invalid_argument: the server's problem beside its field", () => {
    expect(explainError(withField(Code.InvalidArgument, "name: is required", "name", "is required"), { noun: "item", article: "an" }).fields).toEqual({ name: "Required." });
    expect(explainError(withField(Code.InvalidArgument, "x", "user.email_address", "is not an email address"), { noun: "user" }).fields).toEqual({
      email_address: "Not an email address.",
    });
  });

  it("each code a person can act on reads as a sentence, never a stack or a code name", () => {
    const cases: Array<[ConnectError, RegExp]> = [
      [new ConnectError('item "x" not found', Code.NotFound), /no longer exists/],
      // As the server sends them: the catalog's errors through the one translation.
      [toConnectError(statusInUse(3)), /^Status is used by 3 items\.$/],
      [toConnectError(wrongCredentials()), /^Wrong username or password\.$/],
      [toConnectError(loginRequired()), /session has ended/],
      [toConnectError(loginThrottled(40)), /Try again in 40 seconds\./],
      [toConnectError(loginThrottled(600)), /Try again in 10 minutes\./],
      [toConnectError(passwordChangeRequired()), /^Change your password first\.$/],
      [new ConnectError("fetch failed", Code.Unavailable), /Could not reach the server/],
      [new ConnectError("internal error", Code.Internal), /went wrong on the server/],
    ];
    for (const [error, words] of cases) expect(explainError(error, { noun: "item", article: "an" }).message).toMatch(words);
    expect(explainError(new TypeError("Failed to fetch"), { noun: "item" }).message).toMatch(/went wrong|Could not reach/);
  });
});

describe("errors are read by code and reason, never by message text (#12)", () => {
  it("a message that only reads like a known error is not taken for it", () => {
    expect(explainError(new ConnectError("wrong username or password", Code.Unauthenticated), { noun: "user" }).message).toMatch(/session has ended/);
    expect(explainError(new ConnectError("change your password first", Code.PermissionDenied), { noun: "user" }).message).toBe("You are not allowed to do that.");
    expect(explainError(new ConnectError("too many failed logins; try again in 40 s", Code.ResourceExhausted), { noun: "user" }).message).not.toMatch(/40/);
  });

  it("the wait comes from RetryInfo, and the reason and its facts are passed on for the form", () => {
    const throttled = toConnectError(loginThrottled(125));
    expect(explainError(throttled, { noun: "user" }).message).toBe("Too many failed sign-ins. Try again in 3 minutes.");
    const inUse = explainError(toConnectError(statusInUse(4)), { noun: "status" });
    expect({ reason: inUse.reason, metadata: inUse.metadata }).toEqual({ reason: "STATUS_IN_USE", metadata: { items: "4" } });
  });
});

describe("an edit form others change at the same time (Draft)", () => {
  const item = { name: "Search", description: "Full-text", statusId: "up" };

  it("takes someone else's change into a field the admin has not touched, and says so", () => {
    const draft = new Draft(item);
    draft.values.description = "mine";
    draft.update({ ...item, statusId: "down" });
    expect(draft.values).toEqual({ name: "Search", description: "mine", statusId: "down" });
    expect(draft.adopted).toEqual(["statusId"]);
    expect(draft.conflicts).toEqual([]);
    expect(draft.edited).toEqual(["description"]);
  });

  it("keeps the admin's value of a field both changed, as a conflict, until the admin chooses", () => {
    const draft = new Draft(item);
    draft.values.name = "Search (beta)";
    draft.update({ ...item, name: "Site search" });
    expect(draft.values.name).toBe("Search (beta)");
    expect(draft.conflicts).toEqual(["name"]);
    expect(draft.theirs("name")).toBe("Site search");

    const keep = new Draft(item);
    keep.values.name = "Search (beta)";
    keep.update({ ...item, name: "Site search" });
    keep.keepMine();
    expect(keep.conflicts).toEqual([]);
    expect(keep.edited).toEqual(["name"]);

    draft.useTheirs();
    expect(draft.values.name).toBe("Site search");
    expect(draft.conflicts).toEqual([]);
    expect(draft.edited).toEqual([]);
  });

  it("is no conflict when the other admin saved what this one typed", () => {
    const draft = new Draft(item);
    draft.values.name = "Site search";
    draft.update({ ...item, name: "Site search" });
    expect(draft.conflicts).toEqual([]);
    expect(draft.edited).toEqual([]);
  });

  it("says when the record was deleted meanwhile", () => {
    const draft = new Draft(item);
    draft.update(undefined);
    expect(draft.deleted).toBe(true);
  });
});
