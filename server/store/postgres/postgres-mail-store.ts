import type { Pool } from "pg";
import type { ConfirmationRequest, FanOut, MailRecipient, MailStore, QueuedMail, SubscriberPage, SubscriberRecord } from "../mail-store.js";
import {
  decideConfirmation,
  emailKey,
  listValues,
  MAIL_SQL,
  mailValues,
  QUEUE_COLUMNS,
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
import type { AuditActor } from "../audit-context.js";
import { numbered, PG_VALUES as V } from "./dialect.js";
import { withAuditRow } from "./postgres-audit.js";
import { transaction } from "./transaction.js";

const Q = Object.fromEntries(Object.entries(MAIL_SQL).map(([name, text]) => [name, numbered(text)])) as { [K in keyof typeof MAIL_SQL]: string };

/**
 * Email subscriptions in PostgreSQL: `PostgresStore.mail`. Replicas share it: a subscriber's row
 * is locked while a confirmation is decided (so its throttle holds across replicas), the mail
 * cursor is one leased row, and due mails are claimed with `FOR UPDATE SKIP LOCKED` and a lease.
 */
export class PostgresMailStore implements MailStore {
  constructor(private readonly pool: Pool) {}

  async requestConfirmation(request: ConfirmationRequest): Promise<{ retryAt: Date | undefined }> {
    return transaction(this.pool, async (client) => {
      // Two replicas asked for the same new address at once: the second insert waits for the
      // first and does nothing, then the row is read locked like an existing one.
      await client.query(
        `INSERT INTO mail_subscribers (id, email, email_key, item_ids, unsubscribe_token, created_at) VALUES ($1, $2, $3, '[]', $4, $5) ON CONFLICT (email_key) DO NOTHING`,
        [request.id, request.email.trim(), emailKey(request.email), request.unsubscribeToken, request.now],
      );
      const { rows } = await client.query<ThrottleRow>(`${Q.throttleOf} FOR UPDATE`, [emailKey(request.email)]);
      const row = rows[0]!;
      // Just inserted above: a new address, which nothing throttles yet.
      const fresh = row.id === request.id && row.last_confirmation_at === null;
      const decision = decideConfirmation(fresh ? undefined : row, request);
      if (decision.retryAt) return { retryAt: decision.retryAt };
      await client.query(Q.renewSubscriber, renewValues(row.id, request, decision.since, decision.count, V));
      const subscriber = toSubscriber((await client.query<SubscriberRow>(Q.getSubscriber, [row.id])).rows[0]!);
      await client.query(Q.insertMail, mailValues(row.id, subscriber.email, request.render(subscriber), request.now, V));
      return { retryAt: undefined };
    });
  }

  async confirm(tokenHash: string, now: Date): Promise<SubscriberRecord | undefined> {
    const [row] = (await this.pool.query<SubscriberRow>(Q.confirm, [now, tokenHash, now])).rows;
    return row && toSubscriber(row);
  }

  async unsubscribe(token: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(Q.unsubscribe, [token]);
    return (rowCount ?? 0) > 0;
  }

  async listSubscribers(query: string, limit: number, after: PageAfter | undefined): Promise<SubscriberPage> {
    const { rows } = await this.pool.query<SubscriberRow>(Q.listSubscribers, [...listValues(query, after, limit + 1, V)]);
    const counts = (await this.pool.query<{ confirmed: string; pending: string }>(Q.countSubscribers)).rows[0]!;
    const page = rows.slice(0, limit).map(toSubscriber);
    return { subscribers: page, confirmed: Number(counts.confirmed), pending: Number(counts.pending), nextAfter: rows.length > limit ? page.at(-1) : undefined };
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | undefined> {
    const [row] = (await this.pool.query<SubscriberRow>(Q.getSubscriber, [id])).rows;
    return row && toSubscriber(row);
  }

  async removeSubscriber(id: string, audit?: AuditActor): Promise<boolean> {
    return withAuditRow(this.pool, audit, async (on) => {
      const { rowCount } = await on.query(Q.removeSubscriber, [id]);
      return (rowCount ?? 0) > 0;
    });
  }

  async pruneUnconfirmed(before: Date): Promise<number> {
    return (await this.pool.query(Q.pruneUnconfirmed, [before])).rowCount ?? 0;
  }

  async ensureCursor(): Promise<void> {
    await this.pool.query(Q.ensureCursor);
  }

  async dropCursor(): Promise<void> {
    await this.pool.query(Q.dropCursor);
  }

  async claimCursor(owner: string, now: Date, leaseUntil: Date): Promise<number | undefined> {
    const [row] = (await this.pool.query<{ cursor: string }>(Q.claimCursor, [owner, leaseUntil, now, owner])).rows;
    return row && Number(row.cursor);
  }

  async recipients(): Promise<MailRecipient[]> {
    return (await this.pool.query<RecipientRow>(Q.recipients)).rows.map(toRecipient);
  }

  async commitFanOut(owner: string, fanOut: FanOut): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      const keep = fanOut.leaseUntil !== undefined;
      const { rowCount } = await client.query(Q.moveCursor, [fanOut.to, keep ? owner : null, fanOut.leaseUntil ?? null, owner, fanOut.from]);
      if (!rowCount) return false;
      const ids = [...new Set(fanOut.mails.map((m) => m.subscriberId))];
      // Lock the subscribers written to: one removed meanwhile gets nothing (and cannot be removed under us).
      const { rows } = await client.query<{ id: string }>("SELECT id FROM mail_subscribers WHERE id = ANY($1::text[]) FOR SHARE", [ids]);
      const present = new Set(rows.map((r) => r.id));
      for (const mail of fanOut.mails) {
        if (present.has(mail.subscriberId)) await client.query(Q.insertMail, mailValues(mail.subscriberId, mail.to, mail.draft, fanOut.now, V));
      }
      for (const t of fanOut.throttles) await client.query(Q.setThrottle, [t.windowStart ?? null, t.windowCount, t.skipped, t.subscriberId]);
      return true;
    });
  }

  async claimMails(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<QueuedMail[]> {
    // SKIP LOCKED: a replica claiming at the same moment takes other mails instead of waiting for these.
    const due = numbered(MAIL_SQL.dueMails).replace(/\$(\d)/g, (_, n: string) => `$${Number(n) + 2}`);
    const { rows } = await this.pool.query<QueueRow>(
      `UPDATE mail_queue SET lease_owner = $1, lease_until = $2 WHERE seq IN (${due} FOR UPDATE SKIP LOCKED) RETURNING ${QUEUE_COLUMNS}`,
      [owner, leaseUntil, now, now, limit],
    );
    return rows.map(toQueuedMail).sort((a, b) => a.seq - b.seq);
  }

  async finishMail(seq: number, owner: string): Promise<void> {
    await this.pool.query(Q.finishMail, [seq, owner]);
  }

  async retryMail(seq: number, owner: string, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
    await this.pool.query(Q.retryMail, [attempts, nextAttemptAt, error, seq, owner]);
  }

  async queuedMails(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>(Q.queuedMails)).rows[0]?.n ?? 0);
  }
}
