/**
 * What alerts do to one item, as a pure function of the item, what the hooks remember about it,
 * and the alerts of one call. The store runs it inside the write (InletStore.changeItem), so it
 * always sees the state the previous call left.
 *
 * 1. Each alert is tracked by fingerprint: a firing one is (re)recorded with the status its
 *    severity maps to; a resolved one is forgotten. A repeat or a second resolve changes nothing.
 * 2. When the first alert fires, the item's status is remembered (to restore) and the worst firing
 *    alert's status set; while alerts fire, the worst one wins.
 * 3. If someone changed the item's status by hand meanwhile (it is no longer the one the alerts
 *    set), the alerts leave it alone until the last one resolves, and then do not restore.
 * 4. When the last alert resolves, the remembered status comes back.
 */
import type { ItemView } from "../../domain.js";
import type { AlertOutcome, InletDecision, InletStateRecord } from "../../store/inlet-store.js";

/** One alert of a call, resolved to a status (firing ones whose severity maps to one). */
export interface ItemAlert {
  /** Unique across hooks: "<hook id>/<fingerprint>". */
  key: string;
  fingerprint: string;
  itemRef: string;
  firing: boolean;
  severity: string;
  /** The status the severity maps to (firing alerts). */
  statusId: string;
  /** How bad that status is (its kind's severity): the worst firing alert wins. */
  rank: number;
  /** The alert's summary/description, for a note. */
  text: string;
}

/** What the hooks remember about an item while alerts fire on it. */
export interface AlertsState {
  firing: Record<string, { statusId: string; rank: number; text: string }>;
  /** The item's status before the first alert (null: it had none). */
  restore: string | null;
  /** The status the alerts last set. */
  applied: string | null;
  /** Changed by hand while alerts fired: left alone from then on. */
  byHand: boolean;
}

export interface AlertDecision extends InletDecision {
  outcomes: AlertOutcome[];
}

/** The state key of an item's alerts. */
export const alertsKey = (itemId: string) => `alerts:${itemId}`;

/** Applies one call's alerts for `item`; `notes` adds a note when the item turns. */
export function decideAlerts(item: ItemView, record: InletStateRecord | undefined, alerts: readonly ItemAlert[], at: Date, notes: boolean): AlertDecision {
  const before = record?.state as AlertsState | undefined;
  const current = item.status?.id ?? null;
  const state: AlertsState = before ? { ...before, firing: { ...before.firing } } : { firing: {}, restore: current, applied: null, byHand: false };
  const wasActive = Object.keys(state.firing).length > 0;
  if (wasActive && !state.byHand && current !== state.applied) state.byHand = true;

  const details = new Map<string, string>();
  for (const alert of alerts) {
    const known = state.firing[alert.key];
    if (alert.firing) {
      details.set(alert.key, known?.statusId === alert.statusId ? "repeat: already firing" : known ? "firing, at a new severity" : "firing");
      state.firing[alert.key] = { statusId: alert.statusId, rank: alert.rank, text: alert.text };
    } else {
      details.set(alert.key, known ? "resolved" : "resolve of an alert not firing: nothing to do");
      delete state.firing[alert.key];
    }
  }

  const firing = Object.entries(state.firing);
  let statusId: string | undefined;
  let noteText: string | undefined;
  let winner: string | undefined;
  if (firing.length > 0) {
    if (!wasActive) state.restore = current;
    const [key, worst] = firing.reduce((a, b) => (b[1].rank > a[1].rank ? b : a));
    if (!state.byHand && worst.statusId !== current) {
      statusId = worst.statusId;
      winner = key;
      if (notes && worst.text) noteText = worst.text;
    }
    if (!state.byHand) state.applied = worst.statusId;
  } else if (wasActive && !state.byHand && state.restore !== null && state.restore !== current) {
    statusId = state.restore;
    const resolved = alerts.find((a) => !a.firing);
    winner = resolved?.key;
    if (notes) noteText = `Resolved${resolved?.text ? `: ${resolved.text}` : ""}`;
  }

  const outcomes = alerts.map((alert): AlertOutcome => {
    let detail = details.get(alert.key) ?? "";
    if (state.byHand) detail += "; the item's status was changed by hand meanwhile: left alone";
    const result = alert.key === winner && statusId !== undefined ? "changed" : "matched";
    return { fingerprint: alert.fingerprint, itemRef: alert.itemRef, itemId: item.id, firing: alert.firing, severity: alert.severity, result, detail };
  });
  const after = firing.length > 0 ? state : null;
  // A repeat, or a resolve of what is not firing, leaves everything as it was: no write at all.
  const unchanged = statusId === undefined && JSON.stringify(before ?? null) === JSON.stringify(after);
  return { state: after, statusId, noteText, at, outcomes, unchanged };
}
