import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { IncidentsService as IncidentsApi } from "../../shared/gen/statusthing/v1/incidents_service_pb.js";
import type { IncidentsService } from "../service/incidents.js";
import type { MaintenanceEnd, MaintenanceService } from "../service/maintenance.js";
import { toIncidentMessage, toLeftAloneMessage, toMaintenanceMessage } from "../wire/incident-convert.js";
import { auditOf } from "./audit-interceptor.js";

const date = (t: Timestamp | undefined) => (t ? timestampDate(t) : undefined);

const ended = (end: MaintenanceEnd) => ({ maintenance: toMaintenanceMessage(end.maintenance), leftAlone: end.leftAlone.map(toLeftAloneMessage) });

/** `statusthing.v1.IncidentsService`: maps requests to the incident and maintenance services and results back. */
export function createIncidentsRpc(incidents: IncidentsService, maintenance: MaintenanceService, timeZone: string): ServiceImpl<typeof IncidentsApi> {
  return {
    async createIncident(req, ctx) {
      const incident = await incidents.create({ title: req.title, impact: req.impact, state: req.state, message: req.message, items: req.items }, auditOf(ctx));
      return { incident: toIncidentMessage(incident) };
    },
    async addIncidentUpdate(req, ctx) {
      const incident = await incidents.addUpdate({ incidentId: req.incidentId, state: req.state, message: req.message, items: req.items }, auditOf(ctx));
      return { incident: toIncidentMessage(incident) };
    },
    async updateIncident(req, ctx) {
      return { incident: toIncidentMessage(await incidents.update(req.incidentId, { title: req.title, impact: req.impact }, auditOf(ctx))) };
    },
    async resolveIncident(req, ctx) {
      const { incident, leftAlone } = await incidents.resolve(req.incidentId, req.message, req.items, auditOf(ctx));
      return { incident: toIncidentMessage(incident), leftAlone: leftAlone.map(toLeftAloneMessage) };
    },
    async deleteIncident(req, ctx) {
      await incidents.delete(req.incidentId, auditOf(ctx));
      return {};
    },
    async getIncident(req) {
      return { incident: toIncidentMessage(await incidents.get(req.incidentId)), timeZone };
    },
    async listIncidents(req) {
      const page = await incidents.list({ filter: req.filter, from: date(req.from), to: date(req.to), pageSize: req.pageSize, pageToken: req.pageToken });
      return { incidents: page.incidents.map(toIncidentMessage), nextPageToken: page.nextPageToken, timeZone };
    },
    async scheduleMaintenance(req, ctx) {
      const window = await maintenance.schedule(
        {
          title: req.title,
          message: req.message,
          startsAt: date(req.startsAt),
          endsAt: date(req.endsAt),
          itemIds: req.itemIds,
          statusId: req.statusId,
        },
        auditOf(ctx),
      );
      return { maintenance: toMaintenanceMessage(window) };
    },
    async updateMaintenance(req, ctx) {
      const window = await maintenance.update(
        req.maintenanceId,
        {
          title: req.title,
          message: req.message,
          startsAt: date(req.startsAt),
          endsAt: date(req.endsAt),
          itemIds: req.replaceItems || req.itemIds.length > 0 ? req.itemIds : undefined,
          statusId: req.statusId,
        },
        auditOf(ctx),
      );
      return { maintenance: toMaintenanceMessage(window) };
    },
    async cancelMaintenance(req, ctx) {
      return ended(await maintenance.cancel(req.maintenanceId, auditOf(ctx)));
    },
    async completeMaintenance(req, ctx) {
      return ended(await maintenance.complete(req.maintenanceId, auditOf(ctx)));
    },
    async getMaintenance(req) {
      return { maintenance: toMaintenanceMessage(await maintenance.get(req.maintenanceId)), timeZone };
    },
    async listMaintenance(req) {
      const page = await maintenance.list({ filter: req.filter, from: date(req.from), to: date(req.to), pageSize: req.pageSize, pageToken: req.pageToken });
      return { maintenances: page.maintenances.map(toMaintenanceMessage), nextPageToken: page.nextPageToken, timeZone };
    },
  };
}
