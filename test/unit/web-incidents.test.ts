import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { IncidentItemSchema, IncidentSchema, IncidentState, IncidentUpdateSchema, MaintenancePhase, MaintenanceSchema } from "../../shared/gen/statusthing/v1/incidents_pb.js";
import { WatchItemsResponseSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { ItemSchema, StatusKind, StatusSchema } from "../../shared/gen/statusthing/v1/types_pb.js";
import { problemsFirst } from "../../web/src/lib/display/problems-first.js";
import { describeIncidentChange } from "../../web/src/lib/incidents/describe.js";
import { itemsInMaintenance } from "../../web/src/lib/incidents/in-maintenance.js";
import { bySchedule } from "../../web/src/lib/incidents/order.js";
import { windowTimes } from "../../web/src/lib/incidents/window-time.js";
import { ItemsState } from "../../web/src/lib/live/items-state.js";

const HOUR = 3_600_000;
const at = Date.UTC(2026, 11, 1, 1, 0);
const incident = (id: string, state = IncidentState.INVESTIGATING, updates = 1) =>
  create(IncidentSchema, {
    id,
    title: `Incident ${id}`,
    state,
    updates: Array.from({ length: updates }, (_, n) => create(IncidentUpdateSchema, { id: `${id}-${n}`, message: `m${n}` })),
  });
const window = (id: string, phase: MaintenancePhase, startsAt: number, endsAt: number, itemIds: string[] = [], statusId = "maint") =>
  create(MaintenanceSchema, {
    id,
    title: `Window ${id}`,
    phase,
    statusId,
    startsAt: timestampFromMs(startsAt),
    endsAt: timestampFromMs(endsAt),
    items: itemIds.map((itemId) => create(IncidentItemSchema, { itemId })),
  });

describe("ItemsState with incidents", () => {
  it("keeps open incidents and current windows from the snapshot, and drops them as they end", () => {
    const state = new ItemsState();
    const snapshot = create(WatchSnapshotSchema, {
      incidents: [incident("a"), incident("b")],
      maintenances: [window("w", MaintenancePhase.SCHEDULED, at, at + HOUR)],
    });
    state.apply(create(WatchItemsResponseSchema, { revision: 5n, event: { case: "snapshot", value: snapshot } }));
    expect([...state.incidents.keys()]).toEqual(["a", "b"]);
    expect([...state.maintenances.keys()]).toEqual(["w"]);

    const resolved = state.apply(create(WatchItemsResponseSchema, { revision: 6n, event: { case: "incidentChanged", value: incident("a", IncidentState.RESOLVED, 2) } }));
    expect(resolved.kind).toBe("incident");
    expect([...state.incidents.keys()]).toEqual(["b"]);
    state.apply(create(WatchItemsResponseSchema, { revision: 7n, event: { case: "incidentRemoved", value: "b" } }));
    expect(state.incidents.size).toBe(0);

    state.apply(create(WatchItemsResponseSchema, { revision: 8n, event: { case: "maintenanceChanged", value: window("w", MaintenancePhase.ACTIVE, at, at + HOUR) } }));
    expect(state.maintenances.get("w")?.phase).toBe(MaintenancePhase.ACTIVE);
    state.apply(create(WatchItemsResponseSchema, { revision: 9n, event: { case: "maintenanceChanged", value: window("w", MaintenancePhase.COMPLETED, at, at + HOUR) } }));
    expect(state.maintenances.size).toBe(0);
    expect(state.revision).toBe(9n);
  });
});

describe("itemsInMaintenance", () => {
  it("reads an item as in maintenance only while its window is active and it still shows the window's status", () => {
    const status = (id: string) => create(StatusSchema, { id });
    const items = [
      create(ItemSchema, { id: "db", status: status("maint") }),
      create(ItemSchema, { id: "api", status: status("down") }),
      create(ItemSchema, { id: "web", status: status("maint") }),
    ];
    const windows = [window("w1", MaintenancePhase.ACTIVE, at, at + HOUR, ["db", "api"]), window("w2", MaintenancePhase.SCHEDULED, at + HOUR, at + 2 * HOUR, ["web"])];
    expect([...itemsInMaintenance(windows, items)]).toEqual(["db"]);
  });
});

describe("bySchedule", () => {
  it("puts windows under way first, then upcoming ones soonest first", () => {
    const list = [
      window("later", MaintenancePhase.SCHEDULED, at + 5 * HOUR, at + 6 * HOUR),
      window("soon", MaintenancePhase.SCHEDULED, at + HOUR, at + 9 * HOUR),
      window("now", MaintenancePhase.ACTIVE, at, at + 9 * HOUR),
    ];
    expect(list.sort(bySchedule).map((w) => w.id)).toEqual(["now", "soon", "later"]);
  });
});

describe("windowTimes", () => {
  it("names the zone, and adds the page's zone when the reader is elsewhere", () => {
    const times = windowTimes(at, at + 2 * HOUR, "UTC", "Asia/Tokyo");
    expect(times.reader).toMatch(/10:00/);
    expect(times.reader).toMatch(/GMT\+9|JST/);
    expect(times.page).toMatch(/01:00/);
    expect(times.page).toMatch(/UTC/);
  });

  it("shows one time when the reader is in the page's zone", () => {
    expect(windowTimes(at, at + 2 * HOUR, "Europe/Berlin", "Europe/Berlin").page).toBeUndefined();
  });
});

describe("describeIncidentChange", () => {
  it("announces a new incident, an update and the resolution", () => {
    expect(describeIncidentChange(undefined, incident("a"))).toBe("New incident: Incident a");
    expect(describeIncidentChange(incident("a"), incident("a", IncidentState.IDENTIFIED, 2))).toBe("Incident a: Identified. m1");
    expect(describeIncidentChange(incident("a"), incident("a", IncidentState.RESOLVED, 2))).toBe("Incident resolved: Incident a");
  });
});

describe("problemsFirst with maintenance", () => {
  it("ranks items in a window under way after the problems and before the rest", () => {
    const item = (id: string, kind: number) => create(ItemSchema, { id, status: create(StatusSchema, { id: `s-${id}`, kind }) });
    const list = [item("up", StatusKind.UP), item("maint", StatusKind.UNAVAILABLE), item("warn", StatusKind.WARNING)];
    expect(problemsFirst(list).map((i) => i.id)).toEqual(["maint", "warn", "up"]);
    expect(problemsFirst(list, new Set(["maint"])).map((i) => i.id)).toEqual(["warn", "maint", "up"]);
  });
});
