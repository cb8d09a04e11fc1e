import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { MaintenancePhase, type Incident, type Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";

const ms = (timestamp: Timestamp | undefined) => (timestamp ? timestampMs(timestamp) : 0);

/** Newest incident first (by when it was opened). */
export function byNewest(a: Incident, b: Incident): number {
  return ms(b.timestamps?.created) - ms(a.timestamps?.created);
}

/** Windows under way first (soonest end first), then upcoming ones (soonest start first). */
export function bySchedule(a: Maintenance, b: Maintenance): number {
  const activeA = a.phase === MaintenancePhase.ACTIVE;
  const activeB = b.phase === MaintenancePhase.ACTIVE;
  if (activeA !== activeB) return activeA ? -1 : 1;
  return activeA ? ms(a.endsAt) - ms(b.endsAt) : ms(a.startsAt) - ms(b.startsAt);
}
