import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import type { LoggedChange } from "../store/change-codec.js";
import type { FanOut, MailRecipient, MailStore, QueuedMail } from "../store/mail-store.js";
import type { OutboxStore } from "../store/outbox-store.js";
import { mayMakeOutboxEvent } from "../store/sql/outbox.js";
import { DISABLE_AFTER_MS, retryDelayMs } from "../webhooks/retry-schedule.js";
import { renderEvent, toldByIncidentMail, wantsMail, type MailContext } from "./mail-render.js";
import type { SendMail } from "./smtp-sender.js";

/** At most this many event mails go to one address per hour; the rest are skipped, and the next mail says how many. */
export const EVENT_MAILS_PER_HOUR = 10;
const HOUR_MS = 3_600_000;
const EVENTS_PER_BATCH = 100;

/** Tuning for tests; the defaults are the product's. */
export interface MailWorkerSettings {
  /** How long a lease on the cursor or a mail lasts (default 60 s); a crashed replica's work waits this long. */
  leaseMs?: number;
  /** How often due retries and other replicas' events are looked for without a commit here (default 2 s). */
  pollMs?: number;
  /** Mails sent at once (default 4). */
  concurrency?: number;
  /** The delay after the n-th failed attempt at a mail (default: the webhooks' retry schedule). */
  retryDelayMs?: (failures: number) => number;
  /** How long a mail is retried before it is given up (default 24 h). */
  giveUpAfterMs?: number;
}

/** What the throttle decides for one recipient and one event. */
function throttle(r: MailRecipient, now: Date): { send: boolean; skippedBefore: number } {
  if (!r.windowStart || now.getTime() - r.windowStart.getTime() >= HOUR_MS) {
    r.windowStart = now;
    r.windowCount = 0;
  }
  if (r.windowCount >= EVENT_MAILS_PER_HOUR) {
    r.skipped++;
    return { send: false, skippedBefore: 0 };
  }
  r.windowCount++;
  const skippedBefore = r.skipped;
  r.skipped = 0;
  return { send: true, skippedBefore };
}

/**
 * Turns outbox events into mail and sends it, after commit, never inside a write.
 *
 * 1. Fan-out: lease the mail cursor (one replica at a time), read the events after it, render
 *    one mail per confirmed subscriber who wants each (throttled per address), and queue them
 *    and move the cursor in ONE transaction: a crash before it queues nothing and the events are
 *    read again; after it, each mail is queued exactly once.
 * 2. Delivery: lease due mails, each the oldest queued for its address (order per address), send
 *    them, delete each one sent. A failure waits for its retry (growing, jittered delays) and
 *    holds back later mails to the same address; after 24 hours of failures the mail is given up
 *    and logged. A crash after sending but before the delete sends that mail again (at least once;
 *    its Message-ID is the same, so mail clients show it once).
 */
export class MailWorker {
  /** This process's name on its leases. */
  readonly owner = newId();
  private running = false;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly delay: (failures: number) => number;
  private readonly giveUpAfterMs: number;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly deps: {
      mail: MailStore;
      outbox: OutboxStore;
      send: SendMail;
      now: () => Date;
      log: Logger;
      /** Where links point and the page's name, read per batch (an admin may rename the page). */
      context: () => Promise<MailContext>;
    },
    settings: MailWorkerSettings = {},
  ) {
    this.leaseMs = settings.leaseMs ?? 60_000;
    this.concurrency = settings.concurrency ?? 4;
    this.delay = settings.retryDelayMs ?? retryDelayMs;
    this.giveUpAfterMs = settings.giveUpAfterMs ?? DISABLE_AFTER_MS;
    this.timer = setInterval(() => this.poke(), settings.pollMs ?? 2_000).unref();
  }

  /** Looks for work soon (after a commit, a new subscriber, or on the timer); never waits for it. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => void this.run());
  }

  /**
   * After a commit in this process, with the changes it logged: looks for work (see poke) unless
   * none of them can have made an outbox event, which is what mail is made from. Claiming the
   * mail cursor is a write; without this, every write of the page would cost a second one.
   */
  committed(changes: ReadonlyArray<Pick<LoggedChange, "kind">>): void {
    if (changes.some(mayMakeOutboxEvent)) this.poke();
  }

  /** Stops and waits for the mails in flight (each ends within the SMTP timeouts). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.fanOut();
        await this.deliver();
      } while (this.again && !this.stopped);
    } catch (error) {
      if (!this.stopped) this.log.warn({ err: error }, "email subscriptions: working the mail queue failed; trying again shortly");
    } finally {
      this.running = false;
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
  }

  private get log(): Logger {
    return this.deps.log;
  }

  private lease(): Date {
    return new Date(this.deps.now().getTime() + this.leaseMs);
  }

  /** Step 1: events after the cursor become queued mails, a batch per transaction. */
  private async fanOut(): Promise<void> {
    const { mail, outbox } = this.deps;
    while (!this.stopped) {
      const cursor = await mail.claimCursor(this.owner, this.deps.now(), this.lease());
      if (cursor === undefined) return;
      const events = await outbox.eventsAfter(cursor, EVENTS_PER_BATCH);
      const more = events.length === EVENTS_PER_BATCH;
      const now = this.deps.now();
      const fanOut: FanOut = { from: cursor, to: events.at(-1)?.revision ?? cursor, now, mails: [], throttles: [], leaseUntil: more ? this.lease() : undefined };
      if (events.some((e) => wantsMail([], e))) {
        const recipients = await mail.recipients();
        const context = await this.deps.context();
        const touched = new Set<MailRecipient>();
        const told = toldByIncidentMail(events);
        for (const event of events) {
          if (told.has(event.id)) continue;
          for (const r of recipients) {
            if (!wantsMail(r.itemIds, event)) continue;
            touched.add(r);
            const { send, skippedBefore } = throttle(r, now);
            if (!send) continue;
            const draft = renderEvent(context, r, event, skippedBefore, EVENT_MAILS_PER_HOUR);
            if (draft) fanOut.mails.push({ subscriberId: r.id, to: r.email, draft });
          }
        }
        fanOut.throttles = [...touched].map((r) => ({ subscriberId: r.id, windowStart: r.windowStart, windowCount: r.windowCount, skipped: r.skipped }));
      }
      if (!(await mail.commitFanOut(this.owner, fanOut))) return;
      if (!more) return;
    }
  }

  /** Step 2: sends due mails, `concurrency` at a time, until none is due. */
  private async deliver(): Promise<void> {
    while (!this.stopped) {
      const claimed = await this.deps.mail.claimMails(this.owner, this.deps.now(), this.lease(), this.concurrency);
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((m) => this.sendOne(m)));
    }
  }

  private async sendOne(queued: QueuedMail): Promise<void> {
    const { mail, send, now } = this.deps;
    const error = await send(queued);
    if (error === "") {
      await mail.finishMail(queued.seq, this.owner);
      return;
    }
    const attempts = queued.attempts + 1;
    if (now().getTime() - queued.created.getTime() >= this.giveUpAfterMs) {
      await mail.finishMail(queued.seq, this.owner);
      // The subscriber's id, never the address.
      this.log.warn({ subscriber: queued.subscriberId, messageId: queued.messageId, attempts, error }, "email subscriptions: a mail failed for 24 hours and was given up");
      return;
    }
    this.log.info({ subscriber: queued.subscriberId, attempts, error }, "email subscriptions: sending a mail failed; it is retried later");
    await mail.retryMail(queued.seq, this.owner, attempts, new Date(now().getTime() + this.delay(attempts)), error);
  }
}
