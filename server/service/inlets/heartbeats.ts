/**
 * Heartbeats (dead man's switches): an item expects a ping every N seconds, with a grace period.
 * A late ping turns the item to a chosen status (and optionally adds a note); the next ping
 * restores it, unless someone changed the status by hand meanwhile. Ping times and deadlines
 * are stored (InletStore state "heartbeat:<item id>"), so a restart loses none, and each overdue
 * transition is a conditional write that only the first replica to look at it makes.
 */
import { randomBytes } from "node:crypto";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { hashSecret } from "../../auth/secrets.js";
import { heartbeatNotFound, invalidArgument, notFound } from "../../errors.js";
import type { HeartbeatConfig, HeartbeatRecord, InletDecision, InletStateRecord, InletStore } from "../../store/inlet-store.js";
import type { ServiceDeps } from "../deps.js";
import { requireId } from "../validate.js";
import type { AuditActor } from "../../store/audit-context.js";

/** What a heartbeat remembers between pings. */
export interface HeartbeatState {
  /** Epoch ms of the last ping; null before the first. */
  lastPing: number | null;
  late: boolean;
  /** The item's status before it turned late. */
  restore: string | null;
  /** The late status it was given. */
  applied: string | null;
}

/** An item's heartbeat with where it stands. */
export interface HeartbeatView {
  heartbeat: HeartbeatRecord;
  lastPing: Date | undefined;
  /** When it turns late without a ping (undefined while late). */
  deadline: Date | undefined;
  late: boolean;
}

/** The state key of an item's heartbeat. */
export const heartbeatKey = (itemId: string) => `heartbeat:${itemId}`;

/** Heartbeats looked at per scheduler tick; more wait for the next one. */
const DUE_PER_TICK = 100;
const MAX_SECONDS = 366 * 86_400;

/** A secret for a ping URL: "hb_" and 160 random bits, base32 (URL-safe). */
export function generateHeartbeatSecret(): string {
  return "hb_" + encodeBase32LowerCaseNoPadding(randomBytes(20));
}

export class HeartbeatsService {
  constructor(private readonly deps: ServiceDeps & { inlets: InletStore }) {}

  async list(): Promise<HeartbeatView[]> {
    const heartbeats = await this.deps.inlets.listHeartbeats();
    return Promise.all(heartbeats.map(async (h) => view(h, await this.deps.inlets.readState(heartbeatKey(h.itemId)))));
  }

  async get(itemId: string): Promise<HeartbeatView> {
    const id = requireId("item_id", itemId);
    const heartbeat = await this.deps.inlets.getHeartbeat(id);
    if (!heartbeat) throw heartbeatNotFound(id);
    return view(heartbeat, await this.deps.inlets.readState(heartbeatKey(id)));
  }

  /**
   * Creates or changes an item's heartbeat. A new one gets a secret, returned here only; a
   * changed one keeps its secret, and its deadline counts from the last ping (or from now).
   */
  async set(itemId: string, input: HeartbeatConfig, audit?: AuditActor): Promise<{ view: HeartbeatView; secret: string | undefined }> {
    const id = requireId("item_id", itemId);
    const config = await this.check(input);
    const existing = await this.deps.inlets.getHeartbeat(id);
    const secret = existing ? undefined : generateHeartbeatSecret();
    const now = this.deps.now();
    await this.deps.inlets.putHeartbeat(
      {
        itemId: id,
        secretHash: existing?.secretHash ?? hashSecret(secret!),
        config,
        created: existing?.created ?? now,
        updated: now,
      },
      audit,
    );
    await this.deps.inlets.changeItem(
      heartbeatKey(id),
      id,
      (_item, record) => {
        const state = (record?.state as HeartbeatState | undefined) ?? { lastPing: null, late: false, restore: null, applied: null };
        const from = state.lastPing ?? now.getTime();
        return { state, dueAt: state.late ? undefined : new Date(from + periodMs(config)), at: now };
      },
      audit,
    );
    return { view: await this.get(id), secret };
  }

  /** A new secret for the item's ping URL; the old one stops working at once. */
  async rotateSecret(itemId: string, audit?: AuditActor): Promise<string> {
    const id = requireId("item_id", itemId);
    const existing = await this.deps.inlets.getHeartbeat(id);
    if (!existing) throw heartbeatNotFound(id);
    const secret = generateHeartbeatSecret();
    await this.deps.inlets.putHeartbeat({ ...existing, secretHash: hashSecret(secret), updated: this.deps.now() }, audit);
    return secret;
  }

  async delete(itemId: string, audit?: AuditActor): Promise<void> {
    const id = requireId("item_id", itemId);
    if (!(await this.deps.inlets.deleteHeartbeat(id, audit))) throw heartbeatNotFound(id);
  }

  /** A ping with the secret from the URL: the deadline moves on, and a late item is restored. */
  async ping(secret: string): Promise<{ itemId: string; restored: boolean }> {
    const heartbeat = await this.deps.inlets.heartbeatBySecret(hashSecret(secret));
    if (!heartbeat) throw heartbeatNotFound("for this URL");
    const now = this.deps.now();
    const change = (audit: AuditActor | undefined) =>
      this.deps.inlets.changeItem(heartbeatKey(heartbeat.itemId), heartbeat.itemId, (item, record) => decidePing(item.status?.id ?? null, record, heartbeat.config, now), audit);
    // Only a ping that may bring a late item back is an audit event, not every cron job's ping.
    const late = ((await this.deps.inlets.readState(heartbeatKey(heartbeat.itemId)))?.state as HeartbeatState | undefined)?.late === true;
    const result = await change(late ? jobActor("heartbeat ping", heartbeat.itemId) : undefined);
    if (!result) throw heartbeatNotFound("for this URL");
    return { itemId: heartbeat.itemId, restored: result.changed };
  }

  /**
   * One scheduler tick: turns every heartbeat whose deadline has passed late. Each is a
   * conditional write (only if still not late and still due), so replicas ticking at the same
   * moment turn each one once. Returns the items turned.
   */
  async checkOverdue(): Promise<string[]> {
    const now = this.deps.now();
    const turned: string[] = [];
    for (const key of await this.deps.inlets.dueStates(now, DUE_PER_TICK)) {
      const itemId = key.slice("heartbeat:".length);
      if (!key.startsWith("heartbeat:")) continue;
      const heartbeat = await this.deps.inlets.getHeartbeat(itemId);
      if (!heartbeat) continue;
      const result = await this.deps.inlets.changeItem(
        key,
        itemId,
        (item, record) => decideOverdue(item.status?.id ?? null, record, heartbeat.config, now),
        jobActor("heartbeat late", itemId),
      );
      if (result?.decision) turned.push(itemId);
    }
    return turned;
  }

  private async check(input: HeartbeatConfig): Promise<HeartbeatConfig> {
    const whole = (field: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min || value > MAX_SECONDS) throw invalidArgument(field, `must be a whole number of seconds from ${min} to ${MAX_SECONDS}`);
      return value;
    };
    const lateStatusId = input.lateStatusId.trim();
    if (lateStatusId === "") throw invalidArgument("late_status_id", "is required: the status the item takes when a ping is late");
    if (!(await this.deps.store.getStatus(lateStatusId))) throw notFound("status", lateStatusId);
    const lateNote = input.lateNote.trim();
    if (lateNote.length > 10_000) throw invalidArgument("late_note", "at most 10,000 characters");
    return { intervalSeconds: whole("interval_seconds", input.intervalSeconds, 1), graceSeconds: whole("grace_seconds", input.graceSeconds, 0), lateStatusId, lateNote };
  }
}

const periodMs = (config: HeartbeatConfig) => (config.intervalSeconds + config.graceSeconds) * 1000;

const jobActor = (procedure: string, itemId: string): AuditActor => ({
  actor: "heartbeat",
  actorId: "",
  procedure,
  objectType: "item",
  objectId: itemId,
  clientAddress: "",
  summary: "",
});

/** A ping: the next deadline; a late item goes back to its status from before, unless changed by hand. */
export function decidePing(current: string | null, record: InletStateRecord | undefined, config: HeartbeatConfig, now: Date): InletDecision {
  const state = (record?.state as HeartbeatState | undefined) ?? { lastPing: null, late: false, restore: null, applied: null };
  const restore = state.late && current === state.applied && state.restore !== null ? state.restore : undefined;
  return { state: { lastPing: now.getTime(), late: false, restore: null, applied: null }, dueAt: new Date(now.getTime() + periodMs(config)), statusId: restore, at: now };
}

/** The deadline passed: the late status (and note), once; undefined when there is nothing to do (any more). */
export function decideOverdue(current: string | null, record: InletStateRecord | undefined, config: HeartbeatConfig, now: Date): InletDecision | undefined {
  const state = record?.state as HeartbeatState | undefined;
  if (!state || state.late || !record?.dueAt || record.dueAt.getTime() > now.getTime()) return undefined;
  return {
    state: { ...state, late: true, restore: current, applied: config.lateStatusId },
    dueAt: undefined,
    statusId: config.lateStatusId,
    noteText: config.lateNote || undefined,
    at: now,
  };
}

function view(heartbeat: HeartbeatRecord, record: InletStateRecord | undefined): HeartbeatView {
  const state = record?.state as HeartbeatState | undefined;
  return { heartbeat, lastPing: state?.lastPing ? new Date(state.lastPing) : undefined, deadline: record?.dueAt, late: state?.late ?? false };
}
