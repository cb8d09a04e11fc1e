import { StatusKind, type Item, type Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, createTransport, type ApiClients } from "../helpers/clients.js";

/** API clients acting as the admin of the server at `url` (its token registered by startWebServer). */
export function adminClients(url: string): ApiClients {
  return createClients(createTransport("connect-json", url));
}

/** The statuses a fresh database has, by name. */
export async function defaultStatuses(api: ApiClients): Promise<Record<"UP" | "DOWN" | "WARNING", Status>> {
  const { statuses } = await api.statuses.listStatus({});
  const byName = (name: string) => {
    const status = statuses.find((s) => s.name === name);
    if (!status) throw new Error(`no default status ${name}`);
    return status;
  };
  return { UP: byName("UP"), DOWN: byName("DOWN"), WARNING: byName("WARNING") };
}

/** A realistic status page: a dozen services in a spread of statuses, some with notes. */
export async function seedRealistic(api: ApiClients): Promise<{ items: Item[]; statuses: Record<string, Status> }> {
  const base = await defaultStatuses(api);
  const extra = {
    maintenance: (await api.statuses.addStatus({ name: "Maintenance", color: "#7A5AF8", kind: StatusKind.UNAVAILABLE })).status!,
    investigating: (await api.statuses.addStatus({ name: "Investigating", color: "#FDB022", kind: StatusKind.INVESTIGATING })).status!,
    monitoring: (await api.statuses.addStatus({ name: "Monitoring", color: "#2E90FA", kind: StatusKind.OBSERVING })).status!,
  };
  const statuses = { ...base, ...extra };
  const plan: Array<[string, string, Status, string?]> = [
    ["Website", "www.example.com and the marketing pages", base.UP],
    ["Public API", "REST and gRPC endpoints for customers", base.WARNING, "Elevated error rates on /v2/orders in eu-west; a fix is rolling out."],
    ["Payments", "Card and SEPA payments through our provider", base.DOWN, "Card payments fail for all customers. The provider is investigating."],
    ["Dashboard", "app.example.com", base.UP, "Deployed 4.12 with the new reports."],
    ["Search", "Full-text search across orders and customers", extra.investigating, "Some searches time out. Looking into it."],
    ["Email delivery", "Transactional email and receipts", extra.monitoring, "Queue drained; watching delivery times."],
    ["Single sign-on", "SAML and OIDC login", base.UP],
    ["Webhooks", "Outgoing event notifications", base.UP],
    ["File storage", "Uploads, exports and attachments", extra.maintenance, "Planned maintenance until 06:00 UTC."],
    ["Mobile app backend", "iOS and Android sync", base.UP],
    ["Reporting", "Nightly exports and analytics", base.UP],
    ["Status notifications", "SMS and push alerts for incidents", base.UP],
  ];
  const items: Item[] = [];
  for (const [name, description, status, note] of plan) {
    const { item } = await api.items.addItem({ name, description, initialStatusId: status.id, ...(note ? { initialNoteText: note } : {}) });
    items.push(item!);
  }
  return { items, statuses };
}

/** `count` plainly named items ("Service 001"…), all in `status`. */
export async function seedMany(api: ApiClients, count: number, status: Status): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 1; i <= count; i++) {
    const { item } = await api.items.addItem({ name: `Service ${String(i).padStart(3, "0")}`, initialStatusId: status.id });
    items.push(item!);
  }
  return items;
}
