import { create } from "@bufbuild/protobuf";
import { WatchHeartbeatSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { PageSettings } from "../../shared/gen/statusthing/v1/settings_pb.js";
import type { ChangeRecord, GroupRecord, ItemView, PageSettingsRecord, StatusRecord } from "../domain.js";
import { shuttingDown } from "../errors.js";
import type { Logger } from "../logger.js";
import { toGroupMessage, toItemMessage, toStatusMessage } from "../wire/convert.js";
import { toIncidentMessage, toMaintenanceMessage } from "../wire/incident-convert.js";
import { toPageSettingsMessage } from "../wire/settings-convert.js";
import { EMPTY_SETTINGS } from "../store/settings-store.js";
import { LiveIncidents } from "./live-incidents.js";
import type { StreamGrant } from "../auth/stream-grant.js";
import type { Store } from "../store/store.js";
import type { LogEntry } from "../store/change-codec.js";
import { changeAfter } from "../store/change-assembly.js";
import { WatchEvent } from "./watch-event.js";
import { StreamRevocation } from "./stream-revocation.js";
import { filterKey, matchesFilter, type WatchFilter } from "./watch-filter.js";
import { Watcher, type WatcherLimits, type WatchSink } from "./watcher.js";

/** Tuning for the hub; every field has a default suited to a status page. */
export interface ChangeHubOptions {
  /** How often watchers get a heartbeat. */
  heartbeatMs: number;
  limits: WatcherLimits;
  /** Change log retention: at least this many changes... */
  retainChanges: number;
  /** ...and at least this much time, whichever keeps more. */
  retainMs: number;
  /** How often old changes are pruned. */
  pruneEveryMs: number;
  /** How many changes one catch-up read takes from the store. */
  readBatch: number;
}

/** Hub options as callers give them: any subset, limits too. */
export type ChangeHubSettings = Partial<Omit<ChangeHubOptions, "limits">> & { limits?: Partial<WatcherLimits> };

export const DEFAULT_HUB_OPTIONS: ChangeHubOptions = {
  heartbeatMs: 15_000,
  limits: { maxPendingBytes: 4 * 1024 * 1024, lagGraceMs: 10_000, hardMaxPendingBytes: 16 * 1024 * 1024, maxBacklog: 10_000 },
  retainChanges: 10_000,
  retainMs: 24 * 60 * 60 * 1000,
  pruneEveryMs: 10 * 60 * 1000,
  readBatch: 1_000,
};

/** The events one change turns into, built and encoded at most once however many groups see them. */
class ChangeEvents {
  private changed: Partial<Record<"extended" | "plain", WatchEvent>> = {};
  private removed?: WatchEvent;
  private other?: WatchEvent;

  constructor(
    private readonly change: ChangeRecord,
    private readonly settingsMessage: (settings: PageSettingsRecord) => PageSettings,
  ) {}

  settingsChanged(settings: PageSettingsRecord): WatchEvent {
    this.other ??= WatchEvent.of(this.change.revision, { case: "settingsChanged", value: this.settingsMessage(settings) });
    return this.other;
  }

  itemChanged(item: ItemView, extended: boolean): WatchEvent {
    const key = extended ? "extended" : "plain";
    this.changed[key] ??= WatchEvent.of(this.change.revision, {
      case: "itemChanged",
      value: toItemMessage(extended ? item : { ...item, notes: undefined }),
    });
    return this.changed[key];
  }

  itemRemoved(id: string): WatchEvent {
    this.removed ??= WatchEvent.of(this.change.revision, { case: "itemRemoved", value: id });
    return this.removed;
  }

  /** The event of an incident or maintenance change (only for watchers that asked for them). */
  incidentEvent(): WatchEvent {
    const c = this.change;
    this.other ??=
      c.kind === "incident_upsert"
        ? WatchEvent.of(c.revision, { case: "incidentChanged", value: toIncidentMessage(c.incident) })
        : c.kind === "maintenance_upsert"
          ? WatchEvent.of(c.revision, { case: "maintenanceChanged", value: toMaintenanceMessage(c.maintenance) })
          : c.kind === "incident_delete"
            ? WatchEvent.of(c.revision, { case: "incidentRemoved", value: c.id })
            : WatchEvent.of(c.revision, { case: "maintenanceRemoved", value: (c as { id: string }).id });
    return this.other;
  }

  /** A group change, for watchers that asked for groups. */
  groupEvent(): WatchEvent {
    const c = this.change;
    this.other ??=
      c.kind === "group_upsert"
        ? WatchEvent.of(c.revision, { case: "groupChanged", value: toGroupMessage(c.group) })
        : WatchEvent.of(c.revision, { case: "groupRemoved", value: (c as { id: string }).id });
    return this.other;
  }

  statusEvent(): WatchEvent {
    const c = this.change;
    this.other ??=
      c.kind === "status_upsert"
        ? WatchEvent.of(c.revision, { case: "statusChanged", value: toStatusMessage(c.status) })
        : WatchEvent.of(c.revision, { case: "statusRemoved", value: (c as { id: string }).id });
    return this.other;
  }
}

/**
 * Watchers that share one filter. The group tracks which items currently match, so an item
 * that enters the filter arrives as item_changed and one that leaves as item_removed; each
 * change is filtered and encoded once for the whole group.
 */
class WatchGroup {
  readonly watchers = new Set<Watcher>();
  private readonly members = new Set<string>();
  private snapshotCache?: { revision: number; reset: boolean; event: WatchEvent };

  constructor(
    readonly filter: WatchFilter,
    items: Iterable<ItemView>,
  ) {
    for (const item of items) if (matchesFilter(filter, item)) this.members.add(item.id);
  }

  /** The event this change means for this group's watchers, if any. */
  eventFor(change: ChangeRecord, events: ChangeEvents): WatchEvent | undefined {
    switch (change.kind) {
      case "item_upsert":
        if (matchesFilter(this.filter, change.item)) {
          this.members.add(change.item.id);
          return events.itemChanged(change.item, this.filter.extended);
        }
        return this.members.delete(change.item.id) ? events.itemRemoved(change.item.id) : undefined;
      case "item_delete":
        return this.members.delete(change.id) ? events.itemRemoved(change.id) : undefined;
      case "status_upsert":
      case "status_delete":
        return events.statusEvent();
      case "incident_upsert":
      case "incident_delete":
      case "maintenance_upsert":
      case "maintenance_delete":
        return this.filter.incidents ? events.incidentEvent() : undefined;
      case "group_upsert":
      case "group_delete":
        return this.filter.includeGroups ? events.groupEvent() : undefined;
      case "settings_upsert":
        return this.filter.includeSettings ? events.settingsChanged(change.settings) : undefined;
    }
  }

  /** The snapshot for this group at `revision`, shared by every watcher that starts there. */
  snapshot(
    revision: number,
    reset: boolean,
    items: Iterable<ItemView>,
    statuses: Iterable<StatusRecord>,
    groups: Iterable<GroupRecord>,
    live: LiveIncidents,
    settings: () => PageSettings,
  ): WatchEvent {
    const cached = this.snapshotCache;
    if (cached && cached.revision === revision && cached.reset === reset) return cached.event;
    const groupList = [...groups];
    // Page order (see store/group-store.ts): clients may show the snapshot as it comes.
    const groupPosition = new Map(groupList.map((g) => [g.id, g.position]));
    const place = (item: ItemView) => (item.groupId === undefined ? -1 : (groupPosition.get(item.groupId) ?? -1));
    const matching = [...items].filter((item) => matchesFilter(this.filter, item)).sort((a, b) => place(a) - place(b) || (a.position ?? 0) - (b.position ?? 0));
    const event = WatchEvent.of(revision, {
      case: "snapshot",
      value: create(WatchSnapshotSchema, {
        items: matching.map((item) => toItemMessage(this.filter.extended ? item : { ...item, notes: undefined })),
        statuses: [...statuses].map(toStatusMessage),
        groups: this.filter.includeGroups ? groupList.sort((a, b) => a.position - b.position).map(toGroupMessage) : [],
        reset,
        ...(this.filter.incidents && { incidents: live.incidents().map(toIncidentMessage), maintenances: live.maintenances().map(toMaintenanceMessage) }),
        ...(this.filter.includeSettings && { settings: settings() }),
      }),
    });
    this.snapshotCache = { revision, reset, event };
    return event;
  }
}

/**
 * The change hub: follows the store's change log after every commit and feeds every watcher.
 * It keeps the current state (items with notes, statuses) in memory at its revision, so a new
 * watcher's snapshot is taken at exactly the revision from which it then gets live events,
 * without a store read and without a gap. The store stays the source of truth: a poke only
 * says "read the log", and this process's own commits hand over what they wrote to it
 * (takeCommitted), as it was stored.
 */
export class ChangeHub {
  private revision = 0;
  private readonly items = new Map<string, ItemView>();
  private readonly statuses = new Map<string, StatusRecord>();
  /** Open incidents and upcoming or active maintenance, for snapshots of watchers that ask for them. */
  private readonly live = new LiveIncidents();
  /** The page's groups (of items), not to be confused with the watch groups below. */
  private readonly itemGroups = new Map<string, GroupRecord>();
  private settings: PageSettingsRecord | undefined;
  /**
   * How a settings record goes on the wire (defaults filled in); the app sets it. The default
   * knows no --time-zone.
   */
  settingsMessage: (settings: PageSettingsRecord) => PageSettings = (settings) => toPageSettingsMessage(settings, "UTC");
  private readonly groups = new Map<string, WatchGroup>();
  private readonly watcherCount = new Map<string, number>();
  private catchingUp: Promise<void> | undefined;
  /** Whether start() has loaded the state: until then, commits are read from the log. */
  private started = false;
  private pokedAgain = false;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly revocation: StreamRevocation;
  readonly options: ChangeHubOptions;
  /** Running totals for /metrics. */
  readonly stats = { eventsFannedOut: 0, watchersDroppedSlow: 0 };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    options: ChangeHubSettings = {},
  ) {
    this.options = { ...DEFAULT_HUB_OPTIONS, ...options, limits: { ...DEFAULT_HUB_OPTIONS.limits, ...options.limits } };
    this.revocation = new StreamRevocation(log);
  }

  /** Loads the current state and starts heartbeats and pruning. */
  async start(): Promise<void> {
    const snapshot = await this.store.snapshot();
    this.revision = snapshot.revision;
    for (const status of snapshot.statuses) this.statuses.set(status.id, status);
    for (const item of snapshot.items) this.items.set(item.id, item);
    // Read after the snapshot, so at its revision or later: replaying the changes from the
    // snapshot's revision on (whole records each) brings them to exactly the hub's revision.
    this.live.load(await this.store.incidents.live());
    for (const group of snapshot.groups ?? []) this.itemGroups.set(group.id, group);
    // Read after the snapshot, so at least as new: a settings change in between is applied again, harmlessly.
    this.settings = await this.store.settings.get();
    this.started = true;
    this.timers.push(setInterval(() => this.sendHeartbeats(), this.options.heartbeatMs).unref());
    this.timers.push(setInterval(() => void this.prune(), this.options.pruneEveryMs).unref());
    void this.prune();
  }

  /** The newest revision every watcher has been fed up to. */
  get currentRevision(): number {
    return this.revision;
  }

  /** Open watchers by protocol. */
  watchersByProtocol(): Record<string, number> {
    return Object.fromEntries(this.watcherCount);
  }

  /** Every item as of `currentRevision` (for /metrics). */
  currentItems(): Iterable<ItemView> {
    return this.items.values();
  }

  /** Says new changes were committed (by another process); the hub reads them from the log and feeds watchers. */
  poke(): Promise<void> {
    if (this.catchingUp) {
      this.pokedAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = this.catchUp()
      .catch((error: unknown) => {
        // The log is still there: the next poke or heartbeat tick reads on from the same revision.
        if (!this.closed) this.log.error({ err: error, revision: this.revision }, "reading the change log failed");
      })
      .finally(() => {
        this.catchingUp = undefined;
      });
    return this.catchingUp;
  }

  /**
   * Feeds watchers the changes this process has just committed (`Store.onCommit` hands them
   * over, in revision order), without reading them back from the log: each is carried forward
   * from the hub's state (see changeAfter). Only while they follow on from the hub's revision,
   * though: after a gap (another process committed in between, or the hub has not started yet)
   * it reads the log, as after a poke. No change is skipped or sent twice either way: `apply`
   * ignores what the hub has, and a read goes on from the hub's revision.
   */
  takeCommitted(committed: readonly LogEntry[]): void {
    if (!this.started || this.closed) {
      void this.poke();
      return;
    }
    for (const entry of committed) {
      if (entry.revision <= this.revision) continue;
      if (entry.revision !== this.revision + 1) {
        void this.poke();
        return;
      }
      this.apply(changeAfter(entry, (itemId) => this.items.get(itemId)?.notes));
    }
  }

  /**
   * Starts a watch: a snapshot (or, with `sinceRevision`, the changes missed since then while
   * retained), then live changes. The sink receives everything; the returned watcher is how the
   * transport says the client went away (`detach`). With a `grant` (a stream that needed a
   * login), the stream ends with `unauthenticated` once its credentials are revoked.
   */
  watch(filter: WatchFilter, sinceRevision: number, sink: WatchSink, grant?: StreamGrant): Watcher {
    if (this.closed) {
      const refused = new Watcher(filter, sink, this.options.limits, () => {});
      refused.close(shuttingDown());
      return refused;
    }
    const key = filterKey(filter);
    let group = this.groups.get(key);
    if (!group) {
      group = new WatchGroup(filter, this.items.values());
      this.groups.set(key, group);
    }
    // The group's filter, equal to the watcher's: an idle watcher keeps no filter of its own.
    const watcher = new Watcher(group.filter, sink, this.options.limits, this.watcherClosed);
    if (grant) watcher.stopChecking = this.revocation.add(grant, (error) => watcher.close(error));
    group.watchers.add(watcher);
    this.watcherCount.set(sink.protocol, (this.watcherCount.get(sink.protocol) ?? 0) + 1);

    const at = this.revision;
    if (sinceRevision === 0) {
      watcher.sendDirect(group.snapshot(at, false, this.items.values(), this.statuses.values(), this.itemGroups.values(), this.live, () => this.currentSettingsMessage()));
      watcher.goLive();
    } else if (sinceRevision === at) {
      // The common reconnect: nothing was missed.
      watcher.minRevision = sinceRevision;
      watcher.goLive();
    } else {
      void this.replay(watcher, group, sinceRevision, at);
    }
    return watcher;
  }

  /** Re-checks the credentials of every stream that needed a login now, ending those revoked. */
  recheckAccess(): Promise<void> {
    return this.revocation.checkNow();
  }

  /** Ends every stream normally (clients reconnect elsewhere) and stops the timers. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const group of this.groups.values()) for (const watcher of [...group.watchers]) watcher.close();
  }

  /** Resumes a watcher from `since` up to `until` from the change log, or resets it with a snapshot. */
  private async replay(watcher: Watcher, group: WatchGroup, since: number, until: number): Promise<void> {
    try {
      const { oldest, latest } = await this.store.changeLogBounds();
      if (since > latest) {
        // The client knows revisions this database never had (it was replaced): start over.
        watcher.sendDirect(
          group.snapshot(this.revision, true, this.items.values(), this.statuses.values(), this.itemGroups.values(), this.live, () => this.currentSettingsMessage()),
        );
        watcher.goLive();
        return;
      }
      if (since >= until) {
        // A replica behind the client: only what comes after what it has.
        watcher.minRevision = since;
        watcher.goLive();
        return;
      }
      if (since + 1 < oldest) {
        // Part of what the client missed is pruned: it must start over.
        watcher.sendDirect(
          group.snapshot(this.revision, true, this.items.values(), this.statuses.values(), this.itemGroups.values(), this.live, () => this.currentSettingsMessage()),
        );
        watcher.goLive();
        return;
      }
      let after = since;
      while (after < until && !watcher.isClosed) {
        const changes = await this.store.readChanges(after, this.options.readBatch);
        if (changes.length === 0) break;
        for (const change of changes) {
          if (change.revision > until) break;
          // Without the client's state at `since`, a change that does not match is sent as a
          // removal: harmless if the client never had the item.
          const event = this.replayEvent(change, watcher.filter);
          if (event) watcher.sendDirect(event);
          after = change.revision;
        }
        if (changes[changes.length - 1]!.revision >= until) break;
      }
      watcher.goLive();
    } catch (error) {
      this.log.error({ err: error }, "watch replay failed");
      // Logged here, with its context; the client is told only `internal`.
      watcher.close(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private replayEvent(change: ChangeRecord, filter: WatchFilter): WatchEvent | undefined {
    const events = new ChangeEvents(change, this.settingsMessage);
    if (change.kind === "settings_upsert") return filter.includeSettings ? events.settingsChanged(change.settings) : undefined;
    if (change.kind === "item_upsert") {
      return matchesFilter(filter, change.item) ? events.itemChanged(change.item, filter.extended) : events.itemRemoved(change.item.id);
    }
    if (change.kind === "item_delete") return events.itemRemoved(change.id);
    if (change.kind === "status_upsert" || change.kind === "status_delete") return events.statusEvent();
    if (change.kind === "group_upsert" || change.kind === "group_delete") return filter.includeGroups ? events.groupEvent() : undefined;
    return filter.incidents ? events.incidentEvent() : undefined;
  }

  private async catchUp(): Promise<void> {
    do {
      this.pokedAgain = false;
      for (;;) {
        const changes = await this.store.readChanges(this.revision, this.options.readBatch);
        for (const change of changes) this.apply(change);
        if (changes.length < this.options.readBatch) break;
      }
    } while (this.pokedAgain);
  }

  /** Applies one change to the in-memory state and hands its events to every group. */
  private apply(change: ChangeRecord): void {
    if (change.revision <= this.revision) return;
    switch (change.kind) {
      case "item_upsert":
        this.items.set(change.item.id, change.item);
        break;
      case "item_delete":
        this.items.delete(change.id);
        break;
      case "status_upsert":
        this.statuses.set(change.status.id, change.status);
        break;
      case "status_delete":
        this.statuses.delete(change.id);
        break;
      case "settings_upsert":
        this.settings = change.settings;
        break;
      case "group_upsert":
        this.itemGroups.set(change.group.id, change.group);
        break;
      case "group_delete":
        this.itemGroups.delete(change.id);
        break;
      default:
        this.live.apply(change);
    }
    this.revision = change.revision;
    const events = new ChangeEvents(change, this.settingsMessage);
    for (const group of this.groups.values()) {
      const event = group.eventFor(change, events);
      if (!event) continue;
      for (const watcher of group.watchers) watcher.deliver(event);
      this.stats.eventsFannedOut += group.watchers.size;
    }
  }

  /** The settings at the hub's revision, for snapshots. */
  private currentSettingsMessage(): PageSettings {
    return this.settingsMessage(this.settings ?? EMPTY_SETTINGS);
  }

  private sendHeartbeats(): void {
    // Also a periodic check: a missed poke cannot leave watchers behind for long, and a
    // credential revoked elsewhere (another replica, the CLI) ends its streams within a tick.
    void this.poke();
    void this.revocation.checkNow();
    const beat = WatchEvent.of(this.revision, { case: "heartbeat", value: create(WatchHeartbeatSchema) });
    for (const group of this.groups.values()) {
      for (const watcher of group.watchers) if (watcher.minRevision <= this.revision) watcher.heartbeat(beat);
    }
  }

  /** Every watcher's end, one function for the hub (not a closure per watcher). */
  private readonly watcherClosed = (watcher: Watcher): void => {
    watcher.stopChecking?.();
    if (watcher.droppedAsSlow) this.stats.watchersDroppedSlow++;
    this.forget(watcher);
  };

  private forget(watcher: Watcher): void {
    // The group's key, made again: cheaper than a copy kept by every watcher for its whole life.
    const key = filterKey(watcher.filter);
    const group = this.groups.get(key);
    if (!group) return;
    group.watchers.delete(watcher);
    if (group.watchers.size === 0) this.groups.delete(key);
    const protocol = watcher.sink.protocol;
    this.watcherCount.set(protocol, (this.watcherCount.get(protocol) ?? 1) - 1);
  }

  private async prune(): Promise<void> {
    try {
      const pruned = await this.store.pruneChanges(this.options.retainChanges, new Date(Date.now() - this.options.retainMs));
      if (pruned > 0) this.log.debug({ pruned }, "pruned the change log");
    } catch (error) {
      this.log.error({ err: error }, "pruning the change log failed");
    }
  }
}
