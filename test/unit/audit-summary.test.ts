import { create, fromJson, ScalarType, toJson, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { summarizeRequest, SUMMARY_MAX } from "../../server/audit/summarize.js";
import { API_SERVICES } from "../../server/app.js";
import { UpdateItemRequestSchema } from "../../shared/gen/statusthing/v1/services_pb.js";

/** The summary as it was first written: every key of the JSON checked, at any depth. */
function summaryAsBefore(schema: DescMessage, message: Parameters<typeof summarizeRequest>[1]): string {
  const secret = /password|secret|token$/i;
  const originOnly = (url: string) => {
    try {
      const parsed = new URL(url);
      return parsed.pathname === "/" && parsed.search === "" ? parsed.origin : `${parsed.origin}/…`;
    } catch {
      return "…";
    }
  };
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !secret.test(key))
        .map(([key, v]) => [key, key === "url" && typeof v === "string" ? originOnly(v) : clean(v)]),
    );
  };
  const text = JSON.stringify(clean(toJson(schema, message, { alwaysEmitImplicit: false })));
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

/** A request with every field set (one member per oneof), strings that look like URLs and secrets. */
function filled(schema: DescMessage, depth = 0): JsonObject {
  const json: JsonObject = {};
  const oneofs = new Set<unknown>();
  for (const field of schema.fields) {
    if (field.oneof) {
      if (oneofs.has(field.oneof)) continue;
      oneofs.add(field.oneof);
    }
    const one = (kind: "scalar" | "enum" | "message", f: typeof field): JsonValue | undefined => {
      if (kind === "enum") return f.enum!.values.at(-1)!.number;
      if (kind === "message") return f.message!.typeName.startsWith("google.protobuf.") || depth > 3 ? undefined : filled(f.message!, depth + 1);
      const scalar = f.scalar!;
      if (scalar === ScalarType.STRING) return `https://hooks.example.com/secret/${f.name}?token=t`;
      if (scalar === ScalarType.BYTES) return "AQID";
      if (scalar === ScalarType.BOOL) return true;
      return 7;
    };
    let value: JsonValue | undefined;
    if (field.fieldKind === "list") {
      const v = one(field.listKind, field);
      value = v === undefined ? undefined : [v, v];
    } else if (field.fieldKind === "map") {
      const v = one(field.mapKind, field);
      value = v === undefined ? undefined : { password: v, plain: v };
    } else value = one(field.fieldKind, field);
    if (value !== undefined) json[field.jsonName] = value;
  }
  return json;
}

describe("summarizeRequest", () => {
  const inputs = [...new Set(API_SERVICES.flatMap((service) => service.methods.map((method) => method.input)))];

  it("writes every API request's summary as before: secrets and URL paths left out, at any depth", () => {
    expect(inputs.length).toBeGreaterThan(40);
    for (const schema of inputs) {
      for (const message of [create(schema), fromJson(schema, filled(schema))]) {
        expect(summarizeRequest(schema, message), schema.typeName).toBe(summaryAsBefore(schema, message));
      }
    }
  });

  it("leaves secrets out where they are and keeps an UpdateItem whole", () => {
    const login = API_SERVICES.flatMap((s) => s.methods).find((m) => m.name === "Login")!.input;
    expect(summarizeRequest(login, fromJson(login, { username: "ann", password: "hunter2" }))).toBe('{"username":"ann"}');
    const update = fromJson(UpdateItemRequestSchema, { itemId: "a", name: "API", description: "token: see https://x.example/y", statusId: "s" });
    expect(summarizeRequest(UpdateItemRequestSchema, update)).toBe(JSON.stringify({ itemId: "a", name: "API", description: "token: see https://x.example/y", statusId: "s" }));
  });
});
