/**
 * The access policy, checked against the generated service descriptors: every RPC that is not on
 * the public allow-list refuses an anonymous caller, and the allow-list is exactly what the
 * architecture says is public.
 */
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SERVICES } from "../../server/app.js";
import { HistoryService } from "../../shared/gen/statusthing/v1/history_pb.js";
import { IncidentsService } from "../../shared/gen/statusthing/v1/incidents_service_pb.js";
import { HooksService } from "../../shared/gen/statusthing/v1/hooks_pb.js";
import { GroupsService } from "../../shared/gen/statusthing/v1/groups_pb.js";
import { SettingsService } from "../../shared/gen/statusthing/v1/settings_service_pb.js";
import { WebhooksService } from "../../shared/gen/statusthing/v1/webhooks_pb.js";
import { SubscriptionsService } from "../../shared/gen/statusthing/v1/subscriptions_pb.js";
import { ALLOWED_BEFORE_PASSWORD_CHANGE, CREDENTIAL_PROCEDURES, PUBLIC_READS } from "../../server/auth/access-policy.js";
import * as reflectionV1 from "../../shared/gen/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../../shared/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { AuthService, LoginRequestSchema, UsersService } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { AuditService } from "../../shared/gen/statusthing/v1/audit_pb.js";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { NotesService } from "../../shared/gen/statusthing/v1/notes_service_pb.js";
import { StatusService } from "../../shared/gen/statusthing/v1/status_service_pb.js";
import { invokeEmpty, methodsOf, procedureOf, rpc, transportAs } from "../helpers/auth.js";
import { createTransport, PROTOCOLS, type Protocol } from "../helpers/clients.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { codeString } from "../helpers/watch.js";

const REFLECTION: readonly DescService[] = [reflectionV1.ServerReflection, reflectionV1alpha.ServerReflection];
/** Everything a devmode server serves. */
const ALL_SERVICES: readonly DescService[] = [...API_SERVICES, ...REFLECTION];

/** What the architecture makes public, written out, so a change to the allow-list is a visible decision. */
const EXPECTED_PUBLIC = [
  "statusthing.v1.ItemsService/GetItem",
  "statusthing.v1.ItemsService/ListItems",
  "statusthing.v1.ItemsService/WatchItems",
  "statusthing.v1.StatusService/GetStatus",
  "statusthing.v1.StatusService/ListStatus",
  "statusthing.v1.NotesService/GetNote",
  "statusthing.v1.NotesService/ListNotes",
  // History (#14): reads like the others.
  "statusthing.v1.HistoryService/GetItemHistory",
  "statusthing.v1.HistoryService/GetUptime",
  "statusthing.v1.HistoryService/GetPageAt",
  "statusthing.v1.IncidentsService/GetIncident",
  "statusthing.v1.IncidentsService/ListIncidents",
  "statusthing.v1.IncidentsService/GetMaintenance",
  "statusthing.v1.IncidentsService/ListMaintenance",
  // Groups and the page's settings (#15): what the public page shows.
  "statusthing.v1.GroupsService/GetGroup",
  "statusthing.v1.GroupsService/ListGroups",
  "statusthing.v1.SettingsService/GetSettings",
  // Email subscriptions (#18): whether the page offers them, and subscribing (throttled, double opt-in).
  "statusthing.v1.SubscriptionsService/GetSubscribeOptions",
  "statusthing.v1.SubscriptionsService/Subscribe",
  "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/**
 * Signing in and out, and what the sign-in page may say beforehand (#11.7); and the links in
 * subscription mail, whose token is their credential (#18): open even with --private.
 */
const EXPECTED_CREDENTIAL = [
  "statusthing.v1.AuthService/GetSignInHints",
  "statusthing.v1.AuthService/Login",
  "statusthing.v1.AuthService/Logout",
  "statusthing.v1.SubscriptionsService/ConfirmSubscription",
  "statusthing.v1.SubscriptionsService/Unsubscribe",
];

/** Whether the architecture lets an anonymous caller through (judged from the spec, not from the policy under test). */
const EXPECTED_OPEN: ReadonlySet<string> = new Set([...EXPECTED_PUBLIC, ...EXPECTED_CREDENTIAL]);
const open = (procedure: string) => EXPECTED_OPEN.has(procedure);

/** Streaming calls that need HTTP/2 (bidi) cannot run over the HTTP/1.1 transports. */
const needsHttp2 = (method: DescMethod) => method.methodKind === "bidi_streaming" || method.methodKind === "client_streaming";

/** Login with an empty request would be a failed login (and count toward the throttle); send real credentials. */
async function invoke(transport: Transport, method: DescMethod): Promise<string> {
  if (procedureOf(method) !== "statusthing.v1.AuthService/Login") return invokeEmpty(transport, method);
  try {
    await createClient(AuthService, transport).login(create(LoginRequestSchema, { username: "admin", password: TEST_ADMIN_PASSWORD }));
    return "ok";
  } catch (error) {
    return codeString(ConnectError.from(error).code);
  }
}

describe("the allow-list", () => {
  it("makes public exactly the Get*/List* reads of items, statuses and notes, WatchItems and reflection", () => {
    expect([...PUBLIC_READS].sort()).toEqual([...EXPECTED_PUBLIC].sort());
  });

  it("matches the descriptors: every Get*/List* of the three data services and WatchItems, nothing else of statusthing.v1", () => {
    const derived = methodsOf([ItemsService, StatusService, NotesService, HistoryService, IncidentsService, GroupsService, SettingsService])
      .filter((m) => /^(Get|List)/.test(m.name) || m.name === "WatchItems")
      .map(procedureOf)
      .concat(["statusthing.v1.SubscriptionsService/GetSubscribeOptions", "statusthing.v1.SubscriptionsService/Subscribe"]);
    const publicApi = [...PUBLIC_READS].filter((p) => p.startsWith("statusthing.v1."));
    expect(publicApi.sort()).toEqual(derived.sort());
    // Every entry names a procedure that exists: no stale or misspelt names.
    const served = new Set(methodsOf(ALL_SERVICES).map(procedureOf));
    for (const p of [...PUBLIC_READS, ...CREDENTIAL_PROCEDURES, ...ALLOWED_BEFORE_PASSWORD_CHANGE]) expect(served, p).toContain(p);
    // Nothing of AuthService or UsersService is a public read.
    for (const m of methodsOf([AuthService, UsersService])) expect(PUBLIC_READS.has(procedureOf(m)), procedureOf(m)).toBe(false);
  });

  it("has exactly Login, GetSignInHints, Logout and the two subscription links as credential procedures", () => {
    expect([...CREDENTIAL_PROCEDURES].sort()).toEqual(EXPECTED_CREDENTIAL);
  });

  it("lets a user with the initial password do only ChangePassword, WhoAmI and Logout besides public reads", () => {
    expect([...ALLOWED_BEFORE_PASSWORD_CHANGE].sort()).toEqual([
      "statusthing.v1.AuthService/ChangePassword",
      "statusthing.v1.AuthService/Logout",
      "statusthing.v1.AuthService/WhoAmI",
    ]);
  });

  it("serves every API service the descriptors declare (API_SERVICES is the whole statusthing.v1 API)", () => {
    expect(API_SERVICES.map((s) => s.typeName).sort()).toEqual(
      [
        ItemsService,
        StatusService,
        NotesService,
        AuthService,
        UsersService,
        AuditService,
        HistoryService,
        IncidentsService,
        GroupsService,
        SettingsService,
        HooksService,
        WebhooksService,
        SubscriptionsService,
      ]
        .map((s) => s.typeName)
        .sort(),
    );
    // 28 RPCs today; a new one lands in the walk below automatically.
    expect(methodsOf(API_SERVICES).length).toBeGreaterThanOrEqual(28);
  });
});

describe("a public server (devmode, so reflection is served)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ devmode: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("refuses exactly the procedures outside the allow-list to an anonymous caller, as the server sees it", async () => {
    const refused: string[] = [];
    const allowed: string[] = [];
    for (const method of methodsOf(ALL_SERVICES)) {
      const transport = transportAs(server.url, "anonymous", needsHttp2(method) ? "connect-json-h2c" : "connect-json");
      const code = await invoke(transport, method);
      (code === "unauthenticated" ? refused : allowed).push(procedureOf(method));
    }
    const expectedRefused = methodsOf(ALL_SERVICES)
      .map(procedureOf)
      .filter((p) => !open(p));
    expect(refused.sort()).toEqual(expectedRefused.sort());
    expect(allowed.sort()).toEqual([...EXPECTED_OPEN].sort());
    expect(refused.length).toBeGreaterThanOrEqual(19);
  });

  describe.each(PROTOCOLS)("over %s", (protocol: Protocol) => {
    it("every RPC outside the allow-list answers an anonymous caller with unauthenticated", async () => {
      const transport = createTransport(protocol, server.url, { anonymous: true });
      const protectedMethods = methodsOf(API_SERVICES).filter((m) => !open(procedureOf(m)));
      expect(protectedMethods.length).toBeGreaterThanOrEqual(19);
      const answers: Record<string, string> = {};
      for (const method of protectedMethods) answers[procedureOf(method)] = await invokeEmpty(transport, method);
      expect(answers).toEqual(Object.fromEntries(protectedMethods.map((m) => [procedureOf(m), "unauthenticated"])));
    });

    it("public reads and the credential procedures are not refused to an anonymous caller", async () => {
      const transport = createTransport(protocol, server.url, { anonymous: true });
      const h2 = protocol === "grpc-h2c" || protocol === "connect-json-h2c";
      const openMethods = methodsOf(ALL_SERVICES).filter((m) => open(procedureOf(m)) && (h2 || !needsHttp2(m)));
      for (const method of openMethods) {
        const code = await invoke(transport, method);
        expect(["unauthenticated", "permission_denied"], `${procedureOf(method)} answered ${code}`).not.toContain(code);
        expect(["internal", "unknown", "unimplemented"], `${procedureOf(method)} answered ${code}`).not.toContain(code);
      }
    });
  });

  it("the anonymous walk changed nothing: refusals come before any handler runs", async () => {
    const items = await rpc(server.url, "statusthing.v1.ItemsService/ListItems", {}, "anonymous");
    expect(items.code).toBe("ok");
    expect(items.body.items ?? []).toEqual([]);
    const statuses = await rpc(server.url, "statusthing.v1.StatusService/ListStatus", {}, "anonymous");
    expect((statuses.body.statuses as Array<{ name: string }>).map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
    const users = await rpc(server.url, "statusthing.v1.UsersService/ListUsers", {});
    expect((users.body.users as Array<{ username: string }>).map((u) => u.username)).toEqual(["admin"]);
  });

  it("a stale or unknown session cookie is anonymous: public reads work, everything else is unauthenticated", async () => {
    const stale = { cookie: "statusthing_session=abcdefghijklmnopqrstuvwxyz234567" };
    for (const method of methodsOf(API_SERVICES)) {
      const code = await invoke(transportAs(server.url, stale), method);
      const p = procedureOf(method);
      if (open(p)) expect(["unauthenticated", "permission_denied"], `${p} answered ${code}`).not.toContain(code);
      else expect(code, p).toBe("unauthenticated");
    }
  });

  it("a bad bearer token or a malformed Authorization header is refused, even for public reads", async () => {
    for (const authorization of ["Bearer st_notarealtoken", "Bearer nottheprefix", "Basic YWRtaW46cGFzc3dvcmQ=", "Bearer"]) {
      const res = await rpc(server.url, "statusthing.v1.ItemsService/ListItems", {}, "anonymous", { authorization });
      expect(res.code, authorization).toBe("unauthenticated");
      const write = await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "x" }, "anonymous", { authorization });
      expect(write.code, authorization).toBe("unauthenticated");
    }
  });
});

describe("a --private server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ devmode: true, app: { private: true } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("refuses every RPC but Login, GetSignInHints, Logout and the subscription links to an anonymous caller, reflection and WatchItems included", async () => {
    const answers: Record<string, string> = {};
    for (const method of methodsOf(ALL_SERVICES)) {
      const transport = transportAs(server.url, "anonymous", needsHttp2(method) ? "grpc-h2c" : "connect-json");
      answers[procedureOf(method)] = await invoke(transport, method);
    }
    // The subscription links answer EMAIL_NOT_CONFIGURED on this server: past the policy, not refused by it.
    for (const p of ["statusthing.v1.SubscriptionsService/ConfirmSubscription", "statusthing.v1.SubscriptionsService/Unsubscribe"]) {
      if (answers[p] === "failed_precondition") answers[p] = "ok";
    }
    const expected = Object.fromEntries(methodsOf(ALL_SERVICES).map((m) => [procedureOf(m), EXPECTED_CREDENTIAL.includes(procedureOf(m)) ? "ok" : "unauthenticated"]));
    expect(answers).toEqual(expected);
  });

  it("lets the admin's token call the public reads (WatchItems and reflection included)", async () => {
    for (const method of methodsOf(ALL_SERVICES).filter((m) => EXPECTED_PUBLIC.includes(procedureOf(m)))) {
      const code = await invoke(transportAs(server.url, "admin", needsHttp2(method) ? "grpc-h2c" : "connect-json"), method);
      expect(["unauthenticated", "permission_denied"], `${procedureOf(method)} answered ${code}`).not.toContain(code);
    }
  });
});
