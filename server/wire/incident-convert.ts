import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  IncidentItemSchema,
  IncidentSchema,
  IncidentUpdateSchema,
  ItemLeftAloneSchema,
  MaintenanceSchema,
  type Incident,
  type IncidentItem,
  type ItemLeftAlone,
  type Maintenance,
} from "../../shared/gen/statusthing/v1/incidents_pb.js";
import { TimestampsSchema } from "../../shared/gen/statusthing/v1/types_pb.js";
import type { AffectedItemRecord, IncidentRecord, LeftAlone, MaintenanceRecord } from "../incident-records.js";

/** Domain → protobuf for incidents and maintenance windows. */

const stamp = (date: Date | undefined) => (date ? timestampFromDate(date) : undefined);

function toIncidentItemMessage(item: AffectedItemRecord): IncidentItem {
  return create(IncidentItemSchema, {
    itemId: item.itemId,
    itemName: item.itemName,
    statusId: item.statusId ?? "",
    previousStatusId: item.changed ? (item.previousStatusId ?? "") : "",
    leftAlone: item.leftAlone,
  });
}

export function toIncidentMessage(incident: IncidentRecord): Incident {
  return create(IncidentSchema, {
    id: incident.id,
    title: incident.title,
    impact: incident.impact,
    state: incident.state,
    items: incident.items.map(toIncidentItemMessage),
    updates: incident.updates.map((update) =>
      create(IncidentUpdateSchema, {
        id: update.id,
        state: update.state,
        message: update.message,
        statusChanges: update.statusChanges,
        created: timestampFromDate(update.created),
        author: update.author,
      }),
    ),
    resolvedAt: stamp(incident.resolvedAt),
    timestamps: create(TimestampsSchema, { created: timestampFromDate(incident.created), updated: timestampFromDate(incident.updated) }),
  });
}

export function toMaintenanceMessage(window: MaintenanceRecord): Maintenance {
  return create(MaintenanceSchema, {
    id: window.id,
    title: window.title,
    message: window.message,
    startsAt: timestampFromDate(window.startsAt),
    endsAt: timestampFromDate(window.endsAt),
    statusId: window.statusId,
    items: window.items.map(toIncidentItemMessage),
    phase: window.phase,
    startedAt: stamp(window.startedAt),
    endedAt: stamp(window.endedAt),
    timestamps: create(TimestampsSchema, { created: timestampFromDate(window.created), updated: timestampFromDate(window.updated) }),
  });
}

export function toLeftAloneMessage(item: LeftAlone): ItemLeftAlone {
  return create(ItemLeftAloneSchema, { itemId: item.itemId, itemName: item.itemName, statusId: item.statusId ?? "" });
}
