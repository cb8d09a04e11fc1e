import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { AuthService, UsersService } from "$shared/gen/statusthing/v1/auth_pb.js";
import { AuditService } from "$shared/gen/statusthing/v1/audit_pb.js";
import { GroupsService } from "$shared/gen/statusthing/v1/groups_pb.js";
import { HooksService } from "$shared/gen/statusthing/v1/hooks_pb.js";
import { IncidentsService } from "$shared/gen/statusthing/v1/incidents_service_pb.js";
import { ItemsService } from "$shared/gen/statusthing/v1/services_pb.js";
import { NotesService } from "$shared/gen/statusthing/v1/notes_service_pb.js";
import { StatusService } from "$shared/gen/statusthing/v1/status_service_pb.js";
import { SettingsService } from "$shared/gen/statusthing/v1/settings_service_pb.js";
import { SubscriptionsService } from "$shared/gen/statusthing/v1/subscriptions_pb.js";
import { WebhooksService } from "$shared/gen/statusthing/v1/webhooks_pb.js";

/** The admin console's RPC clients, all on the app's one transport (the session cookie rides along). */
export interface AdminClients {
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UsersService>;
  readonly items: Client<typeof ItemsService>;
  readonly statuses: Client<typeof StatusService>;
  readonly notes: Client<typeof NotesService>;
  readonly audit: Client<typeof AuditService>;
  readonly groups: Client<typeof GroupsService>;
  readonly settings: Client<typeof SettingsService>;
  readonly hooks: Client<typeof HooksService>;
  readonly webhooks: Client<typeof WebhooksService>;
  readonly incidents: Client<typeof IncidentsService>;
  readonly subscriptions: Client<typeof SubscriptionsService>;
}

export function createAdminClients(transport: Transport): AdminClients {
  return {
    auth: createClient(AuthService, transport),
    users: createClient(UsersService, transport),
    items: createClient(ItemsService, transport),
    statuses: createClient(StatusService, transport),
    notes: createClient(NotesService, transport),
    audit: createClient(AuditService, transport),
    groups: createClient(GroupsService, transport),
    settings: createClient(SettingsService, transport),
    hooks: createClient(HooksService, transport),
    webhooks: createClient(WebhooksService, transport),
    incidents: createClient(IncidentsService, transport),
    subscriptions: createClient(SubscriptionsService, transport),
  };
}
