import type { Database, Statement } from "better-sqlite3";
import type { ConfirmationRequest, FanOut, MailRecipient, MailStore, QueuedMail, SubscriberPage, SubscriberRecord } from "../mail-store.js";
import {
  decideConfirmation,
  emailKey,
  listValues,
  MAIL_SQL,
  mailValues,
  newSubscriberValues,
  renewValues,
  toQueuedMail,
  toRecipient,
  toSubscriber,
  type PageAfter,
  type QueueRow,
  type RecipientRow,
  type SubscriberRow,
  type ThrottleRow,
} from "../sql/mail.js";
import { SQLITE_VALUES as V } from "./dialect.js";
import type { WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** Email subscriptions in SQLite: `SqliteStore.mail`. Every write goes through the store's write queue (one writer, so its transaction is the lock). */
export class SqliteMailStore implements MailStore {
  private readonly sql: { [K in keyof typeof MAIL_SQL]: Statement<unknown[], unknown> };

  constructor(
    db: Database,
    private readonly writes: () => WriteQueue,
  ) {
    this.sql = Object.fromEntries(Object.entries(MAIL_SQL).map(([name, text]) => [name, db.prepare(text)])) as typeof this.sql;
  }

  requestConfirmation(request: ConfirmationRequest): Promise<{ retryAt: Date | undefined }> {
    return this.writes().run(() => {
      const row = this.sql.throttleOf.get(emailKey(request.email)) as ThrottleRow | undefined;
      const decision = decideConfirmation(row, request);
      if (decision.retryAt) return { retryAt: decision.retryAt };
      let id = request.id;
      if (row) {
        id = row.id;
        this.sql.renewSubscriber.run(...renewValues(id, request, decision.since, decision.count, V));
      } else {
        this.sql.insertSubscriber.run(...newSubscriberValues(request, decision.since, decision.count, V));
      }
      const subscriber = toSubscriber(this.sql.getSubscriber.get(id) as SubscriberRow);
      this.sql.insertMail.run(...mailValues(id, subscriber.email, request.render(subscriber), request.now, V));
      return { retryAt: undefined };
    });
  }

  confirm(tokenHash: string, now: Date): Promise<SubscriberRecord | undefined> {
    return this.writes().run(() => {
      const row = this.sql.confirm.get(V.time(now), tokenHash, V.time(now)) as SubscriberRow | undefined;
      return row && toSubscriber(row);
    });
  }

  unsubscribe(token: string): Promise<boolean> {
    return this.writes().run(() => {
      this.sql.deleteMailsByToken.run(token);
      return this.sql.unsubscribe.run(token).changes > 0;
    });
  }

  async listSubscribers(query: string, limit: number, after: PageAfter | undefined): Promise<SubscriberPage> {
    const rows = this.sql.listSubscribers.all(...listValues(query, after, limit + 1, V)) as SubscriberRow[];
    const counts = this.sql.countSubscribers.get() as { confirmed: number; pending: number };
    const page = rows.slice(0, limit).map(toSubscriber);
    return { subscribers: page, confirmed: Number(counts.confirmed), pending: Number(counts.pending), nextAfter: rows.length > limit ? page.at(-1) : undefined };
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const row = this.sql.getSubscriber.get(id) as SubscriberRow | undefined;
    return row && toSubscriber(row);
  }

  removeSubscriber(id: string, audit?: AuditActor): Promise<boolean> {
    return this.writes().run(() => {
      this.sql.deleteMailsOf.run(id);
      return this.sql.removeSubscriber.run(id).changes > 0;
    }, audit);
  }

  pruneUnconfirmed(before: Date): Promise<number> {
    return this.writes().run(() => this.sql.pruneUnconfirmed.run(V.time(before)).changes);
  }

  ensureCursor(): Promise<void> {
    return this.writes().run(() => {
      this.sql.ensureCursor.run();
    });
  }

  dropCursor(): Promise<void> {
    return this.writes().run(() => {
      this.sql.dropCursor.run();
    });
  }

  claimCursor(owner: string, now: Date, leaseUntil: Date): Promise<number | undefined> {
    // Asked after every commit and on a timer: mostly nothing waits, and a look writes nothing.
    if (this.sql.cursorDue.get(V.time(now), owner) === undefined) return Promise.resolve(undefined);
    return this.writes().run(() => {
      const row = this.sql.claimCursor.get(owner, V.time(leaseUntil), V.time(now), owner) as { cursor: number } | undefined;
      return row && Number(row.cursor);
    });
  }

  async recipients(): Promise<MailRecipient[]> {
    return (this.sql.recipients.all() as RecipientRow[]).map(toRecipient);
  }

  commitFanOut(owner: string, fanOut: FanOut): Promise<boolean> {
    return this.writes().run(() => {
      const keep = fanOut.leaseUntil !== undefined;
      const moved = this.sql.moveCursor.run(fanOut.to, keep ? owner : null, keep ? V.time(fanOut.leaseUntil!) : null, owner, fanOut.from).changes;
      if (moved === 0) return false;
      for (const mail of fanOut.mails) {
        if (this.sql.subscriberExists.get(mail.subscriberId) === undefined) continue;
        this.sql.insertMail.run(...mailValues(mail.subscriberId, mail.to, mail.draft, fanOut.now, V));
      }
      for (const t of fanOut.throttles) this.sql.setThrottle.run(t.windowStart ? V.time(t.windowStart) : null, t.windowCount, t.skipped, t.subscriberId);
      return true;
    });
  }

  claimMails(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<QueuedMail[]> {
    if ((this.sql.dueMails.all(V.time(now), V.time(now), 1) as unknown[]).length === 0) return Promise.resolve([]);
    return this.writes().run(() => {
      const due = this.sql.dueMails.all(V.time(now), V.time(now), limit) as Array<{ seq: number }>;
      return due.map(({ seq }) => {
        this.sql.leaseMail.run(owner, V.time(leaseUntil), seq);
        return toQueuedMail(this.sql.getMail.get(seq) as QueueRow);
      });
    });
  }

  finishMail(seq: number, owner: string): Promise<void> {
    return this.writes().run(() => {
      this.sql.finishMail.run(seq, owner);
    });
  }

  retryMail(seq: number, owner: string, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
    return this.writes().run(() => {
      this.sql.retryMail.run(attempts, V.time(nextAttemptAt), error, seq, owner);
    });
  }

  async queuedMails(): Promise<number> {
    return Number((this.sql.queuedMails.get() as { n: number }).n);
  }
}
