/**
 * Names people cannot tell apart are one name, and names with invisible or control characters
 * are refused: item and status names are stored as typed and compared after NFKC (and case
 * folding); usernames allow only ASCII letters, digits and . _ @ -.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Json = Record<string, unknown>;

const ITEMS = "statusthing.v1.ItemsService";
const STATUS = "statusthing.v1.StatusService";
const USERS = "statusthing.v1.UsersService";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function call(procedure: string, body: object): Promise<{ status: number; body: Json }> {
  const res = await postJson(server.url, procedure, body);
  return { status: res.status, body: res.body };
}
async function ok(procedure: string, body: object): Promise<Json> {
  const res = await call(procedure, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
async function expectInvalid(procedure: string, body: object, field: string, codePoint?: string) {
  const res = await call(procedure, body);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.code).toBe("invalid_argument");
  expect(String(res.body.message)).toContain(field);
  if (codePoint) expect(String(res.body.message)).toContain(codePoint);
}
async function itemNames(): Promise<string[]> {
  return (((await ok(`${ITEMS}/ListItems`, {})).items ?? []) as Json[]).map((i) => String(i.name));
}

/** Names that hide something, and the code point the error names. */
const HIDDEN: Array<[string, string, string]> = [
  ["only a zero-width space", "\u200b", "U+200B"],
  ["a trailing zero-width space", "Hidden1\u200b", "U+200B"],
  ["a zero-width space inside", "Hid\u200bden", "U+200B"],
  ["a right-to-left override", "\u202eevil.exe", "U+202E"],
  ["a right-to-left mark", "Hidden\u200f", "U+200F"],
  ["a NUL", "Hidden\u0000", "U+0000"],
  ["a tab inside", "Hid\tden", "U+0009"],
  ["a byte-order mark inside", "Hid\ufeffden", "U+FEFF"],
  ["a Hangul filler (an invisible letter)", "Hidden\u3164", "U+3164"],
  // NFKC makes this halfwidth filler U+1160, another invisible one.
  ["a halfwidth Hangul filler", "Hidden\uffa0", "U+FFA0"],
  ["a word joiner", "Hid\u2060den", "U+2060"],
  ["a joiner with nothing to join", "Hidden\u200d", "U+200D"],
];

describe("item names", () => {
  it.each(HIDDEN)("refuses %s with invalid_argument naming the field and the character, and creates nothing", async (_label, name, codePoint) => {
    const before = await itemNames();
    await expectInvalid(`${ITEMS}/AddItem`, { name }, "name", codePoint);
    expect(await itemNames()).toEqual(before);
  });

  it("refuses `Item1\\u200b` beside `Item1` rather than keeping two names that look the same", async () => {
    await ok(`${ITEMS}/AddItem`, { name: "Item1" });
    await expectInvalid(`${ITEMS}/AddItem`, { name: "Item1\u200b" }, "name", "U+200B");
    expect((await itemNames()).filter((n) => n.startsWith("Item1"))).toEqual(["Item1"]);
  });

  it("treats fullwidth and compatibility lookalikes as the same name (already_exists), whichever came first", async () => {
    await ok(`${ITEMS}/AddItem`, { name: "Payments" });
    const res = await call(`${ITEMS}/AddItem`, { name: "Ｐａｙｍｅｎｔｓ" });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("already_exists");
    const alone = (await ok(`${ITEMS}/AddItem`, { name: "Ｂｉｌｌｉｎｇ ２" })).item as Json;
    expect(alone.name).toBe("Ｂｉｌｌｉｎｇ ２");
    expect((await call(`${ITEMS}/AddItem`, { name: "billing 2" })).body.code).toBe("already_exists");
    await ok(`${ITEMS}/AddItem`, { name: "\ufb01le store" });
    expect((await call(`${ITEMS}/AddItem`, { name: "File Store" })).body.code).toBe("already_exists");
    await ok(`${ITEMS}/AddItem`, { name: "𝒜lpha" });
    expect((await call(`${ITEMS}/AddItem`, { name: "alpha" })).body.code).toBe("already_exists");
  });

  it("applies the same rules to a rename", async () => {
    const item = (await ok(`${ITEMS}/AddItem`, { name: "Renamed" })).item as Json;
    await expectInvalid(`${ITEMS}/UpdateItem`, { item_id: item.id, name: "Renamed\u202e" }, "name", "U+202E");
    const clash = await call(`${ITEMS}/UpdateItem`, { item_id: item.id, name: "ＩＴＥＭ１" });
    expect(clash.body.code).toBe("already_exists");
    await ok(`${ITEMS}/UpdateItem`, { item_id: item.id, name: "Renamed 2" });
    expect((await call(`${ITEMS}/AddItem`, { name: "Ｒｅｎａｍｅｄ ２" })).body.code).toBe("already_exists");
  });

  it.each([
    ["emoji joined with ZWJ", "👩‍💻 Developer portal"],
    ["an emoji with a variation selector and a joiner", "🏳️‍🌈 Pride site"],
    ["an emoji with a variation selector", "⚠️ Legacy API"],
    ["a subdivision flag (tag sequence)", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Edinburgh office"],
    ["Persian with a zero-width non-joiner", "می‌خواهم"],
    ["Arabic", "الخادم الرئيسي"],
    ["Hebrew", "שרת ראשי"],
    ["a keycap", "1️⃣ First"],
  ])("keeps %s as written", async (_label, name) => {
    const item = (await ok(`${ITEMS}/AddItem`, { name })).item as Json;
    expect(item.name).toBe(name);
  });
});

describe("status names", () => {
  it.each(HIDDEN)("refuses %s in AddStatus and in AddItem's initial_status", async (_label, name, codePoint) => {
    await expectInvalid(`${STATUS}/AddStatus`, { name, kind: "STATUS_KIND_UP" }, "name", codePoint);
    await expectInvalid(`${ITEMS}/AddItem`, { name: "With new status", initial_status: { name, kind: 1 } }, "initial_status.name", codePoint);
  });

  it("treats a fullwidth UP as the existing UP, and checks a rename", async () => {
    const res = await call(`${STATUS}/AddStatus`, { name: "ＵＰ", kind: "STATUS_KIND_UP" });
    expect(res.body.code).toBe("already_exists");
    const status = (await ok(`${STATUS}/AddStatus`, { name: "Degraded", kind: "STATUS_KIND_WARNING" })).status as Json;
    await expectInvalid(`${STATUS}/UpdateStatus`, { status_id: status.id, name: "\u200b" }, "name", "U+200B");
    await expectInvalid(`${STATUS}/UpdateStatus`, { status_id: status.id, name: "Degraded\u202e" }, "name", "U+202E");
    expect((await call(`${STATUS}/UpdateStatus`, { status_id: status.id, name: "ｗａｒｎｉｎｇ" })).body.code).toBe("already_exists");
    expect(((await ok(`${STATUS}/GetStatus`, { status_id: status.id })).status as Json).name).toBe("Degraded");
  });
});

describe("usernames", () => {
  it.each([["ad\u200bmin"], ["ａｄｍｉｎ"], ["\u202enimda"], ["admin\u0000"], ["admin\u200d"]])("refuses %j with invalid_argument", async (username) => {
    await expectInvalid(`${USERS}/AddUser`, { user: { username, password: "a-long-password-1" } }, "username");
  });
});
