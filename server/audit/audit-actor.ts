import type { Principal } from "../auth/principal.js";
import { ruleFor, scopeRank } from "../auth/permissions.js";
import type { AuditActor } from "../store/audit-context.js";

/** Whether calls of `procedure` are writes the audit log records: every rule above read scope but the credential ones. */
export function isAuditedWrite(procedure: string): boolean {
  const rule = ruleFor(procedure);
  return rule !== undefined && !rule.credentials && scopeRank(rule.scope) > scopeRank("read");
}

/** Who a principal is, as the audit log names them. */
export function actorName(principal: Principal): string {
  return principal.token ? `token:${principal.token.name} (${principal.user.username})` : `user:${principal.user.username}`;
}

const OBJECT_TYPE_OF_SERVICE: Record<string, string> = {
  ItemsService: "item",
  StatusService: "status",
  NotesService: "note",
  UsersService: "user",
  GroupsService: "group",
  WebhooksService: "webhook",
  SubscriptionsService: "subscriber",
};

/** The kind of object an RPC writes, from its service (AuthService writes tokens, or the caller's password). */
export function objectTypeOf(procedure: string): string {
  const [service = "", method = ""] = procedure.slice(procedure.lastIndexOf(".", procedure.indexOf("/")) + 1).split("/");
  if (service === "AuthService") return method === "ChangePassword" ? "user" : "api_token";
  if (service === "IncidentsService") return method.includes("Maintenance") ? "maintenance" : "incident";
  return OBJECT_TYPE_OF_SERVICE[service] ?? service.replace(/Service$/, "").toLowerCase();
}

/** The id of the object a request names (item_id, status_id, note_id, user_id, token_id, group_id, webhook_id, hook_id, incident_id, maintenance_id), or "" (an add). */
export function objectIdOf(procedure: string, message: unknown, principal: Principal): string {
  if (procedure.endsWith("AuthService/ChangePassword")) return principal.user.id;
  // An add names its parent (AddNote's item_id), not what it makes: the store takes the new id from what it wrote.
  if (/\/(Add|Create)[A-Z]/.test(procedure)) return "";
  const fields = message as Record<string, unknown> | undefined;
  // An incident or window names items and statuses too: its own id is the object.
  const names = procedure.includes("IncidentsService/")
    ? ["incidentId", "maintenanceId"]
    : procedure.includes("SubscriptionsService/")
      ? ["id"]
      : ["tokenId", "noteId", "itemId", "statusId", "userId", "groupId", "webhookId", "hookId"];
  for (const name of names) {
    const value = fields?.[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return "";
}

/** The audit context of one RPC call. */
export function auditActorFor(procedure: string, principal: Principal, clientAddress: string, message: unknown, summary: string): AuditActor {
  return {
    actor: actorName(principal),
    actorId: principal.user.id,
    procedure,
    objectType: objectTypeOf(procedure),
    objectId: objectIdOf(procedure, message, principal),
    clientAddress,
    summary,
  };
}
