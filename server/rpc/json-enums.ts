import type { DescEnum, DescMessage } from "@bufbuild/protobuf";

/**
 * Finds an enum value given by a name the enum does not have, in a request's JSON. Unknown
 * fields are ignored (as the original server did, for compatibility), and protobuf's JSON
 * reader then drops unknown enum names silently too: `{"kinds": ["STATUS_KIND_DWON"]}` would
 * mean "no filter". A misspelt value is a client's mistake worth telling it about.
 * Returns the field and its problem for the first one found.
 */
export function findUnknownEnumName(desc: DescMessage, json: unknown, path = ""): EnumProblem | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const object = json as Record<string, unknown>;
  for (const field of desc.fields) {
    const value = object[field.jsonName] ?? object[field.name];
    if (value === undefined || value === null) continue;
    const name = `${path}${field.name}`;
    switch (field.fieldKind) {
      case "enum": {
        const problem = checkEnum(field.enum, value, name);
        if (problem) return problem;
        break;
      }
      case "message": {
        const problem = isWellKnown(field.message) ? undefined : findUnknownEnumName(field.message, value, `${name}.`);
        if (problem) return problem;
        break;
      }
      case "list": {
        if (!Array.isArray(value)) break;
        for (const element of value) {
          const problem =
            field.listKind === "enum"
              ? checkEnum(field.enum, element, name)
              : field.listKind === "message" && !isWellKnown(field.message)
                ? findUnknownEnumName(field.message, element, `${name}.`)
                : undefined;
          if (problem) return problem;
        }
        break;
      }
      case "map": {
        if (typeof value !== "object" || Array.isArray(value)) break;
        for (const element of Object.values(value as Record<string, unknown>)) {
          const problem =
            field.mapKind === "enum"
              ? checkEnum(field.enum, element, name)
              : field.mapKind === "message" && !isWellKnown(field.message)
                ? findUnknownEnumName(field.message, element, `${name}.`)
                : undefined;
          if (problem) return problem;
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/** A request field ("kinds", "status.kind") and what is wrong with its value. */
export interface EnumProblem {
  field: string;
  problem: string;
}

function checkEnum(desc: DescEnum, value: unknown, name: string): EnumProblem | undefined {
  if (typeof value !== "string") return undefined;
  if (desc.values.some((v) => v.name === value)) return undefined;
  return { field: name, problem: `${JSON.stringify(value)} is not a ${desc.name} (one of ${desc.values.map((v) => v.name).join(", ")})` };
}

function isWellKnown(desc: DescMessage): boolean {
  return desc.typeName.startsWith("google.protobuf.");
}
