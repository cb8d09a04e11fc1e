import type { StatusTransition } from "../../domain.js";
import type { Store } from "../../store/store.js";
import type { KindStep } from "../../../shared/history/uptime-fold.js";

/**
 * Every item's status history in memory, oldest first: read whole once, then only the
 * transitions recorded since (by revision, so it works the same when other replicas write).
 * Reads stay in memory; the store is asked one indexed question per refresh.
 */
export class TransitionIndex {
  private readonly byItem = new Map<string, StatusTransition[]>();
  private readonly steps = new Map<string, KindStep[]>();
  private lastRevision = -1;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  /** Reads what was recorded since the last refresh; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** An item's transitions, oldest first (empty for an item never seen). */
  transitionsOf(itemId: string): readonly StatusTransition[] {
    return this.byItem.get(itemId) ?? [];
  }

  /** An item's history as uptime steps, oldest first. */
  stepsOf(itemId: string): readonly KindStep[] {
    let steps = this.steps.get(itemId);
    if (!steps) {
      steps = this.transitionsOf(itemId).map(toKindStep);
      this.steps.set(itemId, steps);
    }
    return steps;
  }

  private async read(): Promise<void> {
    const fresh = await this.store.transitionsAfter(this.lastRevision);
    for (const transition of fresh) {
      const list = this.byItem.get(transition.itemId);
      if (list) list.push(transition);
      else this.byItem.set(transition.itemId, [transition]);
      this.steps.delete(transition.itemId);
      this.lastRevision = Math.max(this.lastRevision, transition.revision);
      this.onTransition?.(transition);
    }
  }

  /** Called for each transition as it is read (the roll-ups drop the days it touches). */
  onTransition: ((transition: StatusTransition) => void) | undefined;
}

/** A transition as uptime arithmetic sees it: only the kind counts, never a status's name. */
export function toKindStep(transition: StatusTransition): KindStep {
  return { at: transition.at.getTime(), kind: transition.status?.kind ?? 0, present: !transition.deleted };
}
