/**
 * The permission table covers every RPC of every service in the generated descriptors (so a new
 * RPC without a rule fails here), names nothing that does not exist, and never lets a token
 * scope or role below the rule through.
 */
import type { DescService } from "@bufbuild/protobuf";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { authorize } from "../../server/auth/access-policy.js";
import { PERMISSIONS, ROLES, scopeRank, roleRank, TOKEN_SCOPES } from "../../server/auth/permissions.js";
import type { Principal } from "../../server/auth/principal.js";
import { DomainError } from "../../server/errors.js";

/** Every service declared in shared/gen, found by walking the generated files. */
async function allServices(): Promise<DescService[]> {
  const services: DescService[] = [];
  const root = new URL("../../shared/gen/", import.meta.url);
  const walk = async (dir: URL): Promise<void> => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(new URL(`${entry.name}/`, dir));
      else if (entry.name.endsWith("_pb.ts")) {
        const module = (await import(new URL(entry.name, dir).href)) as Record<string, unknown>;
        for (const value of Object.values(module)) if ((value as DescService | undefined)?.kind === "service") services.push(value as DescService);
      }
    }
  };
  await walk(root);
  return services;
}

const principal = (role: "admin" | "editor" | "viewer", scope?: "read" | "status" | "write" | "admin"): Principal => ({
  user: {
    id: "u1",
    username: "u",
    firstName: "",
    lastName: "",
    email: "",
    avatarUrl: "",
    passwordHash: "",
    mustChangePassword: false,
    lastLogin: undefined,
    created: new Date(),
    updated: new Date(),
    role,
  },
  via: scope ? "token" : "session",
  ...(scope && { token: { id: "t1", userId: "u1", name: "t", secretHash: "", created: new Date(), expiresAt: undefined, lastUsed: undefined, scope } }),
});

function outcome(procedure: string, p: Principal | undefined, message: unknown = {}): string {
  try {
    authorize(procedure, p, { private: true }, message);
    return "ok";
  } catch (error) {
    return (error as DomainError).kind;
  }
}

describe("the permission table", () => {
  it("has a rule for every RPC of every generated service, and no rule for an RPC that does not exist", async () => {
    const services = await allServices();
    expect(services.length).toBeGreaterThanOrEqual(6);
    const procedures = services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));
    const missing = procedures.filter((p) => !(p in PERMISSIONS));
    expect(missing, "RPCs without a rule in server/auth/permissions.ts").toEqual([]);
    expect(
      Object.keys(PERMISSIONS).filter((p) => !procedures.includes(p)),
      "rules for RPCs that do not exist",
    ).toEqual([]);
  });

  it("lets through, on a --private server, exactly the roles and scopes at or above each rule", () => {
    for (const [procedure, rule] of Object.entries(PERMISSIONS)) {
      if (rule.credentials) continue;
      for (const role of ROLES) {
        const expected = roleRank(role) >= roleRank(rule.role) ? "ok" : "permission_denied";
        expect(outcome(procedure, principal(role)), `${role} session → ${procedure}`).toBe(expected);
        for (const scope of TOKEN_SCOPES) {
          const allowed = roleRank(role) >= roleRank(rule.role) && scopeRank(scope) >= scopeRank(rule.scope);
          expect(outcome(procedure, principal(role, scope)), `${role} token (${scope}) → ${procedure}`).toBe(allowed ? "ok" : "permission_denied");
        }
      }
      expect(outcome(procedure, undefined), `anonymous → ${procedure}`).toBe("unauthenticated");
    }
  });

  it("refuses an RPC that is not in the table, whoever calls", () => {
    expect(outcome("statusthing.v1.NewService/Anything", principal("admin"))).toBe("permission_denied");
  });

  it("explains a refusal by what the caller may do", () => {
    expect(() => authorize("statusthing.v1.ItemsService/DeleteItem", principal("admin", "status"), { private: false }, {})).toThrow(
      /this token's scope is status: it may read, set an item's status .*; ItemsService\/DeleteItem needs scope write/,
    );
    expect(() => authorize("statusthing.v1.UsersService/AddUser", principal("editor"), { private: false }, {})).toThrow(/your role is editor: .*needs the admin role/);
  });
});
