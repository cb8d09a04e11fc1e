import type { AuditActor } from "./audit-context.js";
/**
 * Email subscriptions as a store keeps them: the subscribers, the queue of mails to send (one row
 * per mail, rendered when queued), and the mail cursor over the outbox (the revision of the last
 * event turned into mail). The cursor and each queued mail carry a lease, so with several
 * replicas one at a time fans out and one at a time sends a given mail.
 */

/** A subscriber as admins see it. The unsubscribe token is a credential for this address only. */
export interface SubscriberRecord {
  id: string;
  /** The address as given (trimmed); unique case-insensitively. */
  email: string;
  /** Items it hears about; empty means the whole page. */
  itemIds: string[];
  /** When it followed the confirmation link; undefined while pending. */
  confirmedAt: Date | undefined;
  created: Date;
  unsubscribeToken: string;
}

/** A confirmed subscriber with its event-mail throttle (see MailWorker). */
export interface MailRecipient extends SubscriberRecord {
  /** Start of the current throttle window (undefined: none yet). */
  windowStart: Date | undefined;
  /** Event mails queued for it in the window. */
  windowCount: number;
  /** Event mails skipped because of the throttle since its last mail. */
  skipped: number;
}

/** A rendered mail. `messageId` is stable (`<…@host>`): queuing the same one twice keeps one. */
export interface MailDraft {
  messageId: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (List-Unsubscribe, List-Unsubscribe-Post, …). */
  headers: Record<string, string>;
}

/** A mail waiting in the queue. */
export interface QueuedMail extends MailDraft {
  /** Its place in the queue: mails to one address go out in this order. */
  seq: number;
  subscriberId: string;
  to: string;
  /** Failed attempts so far. */
  attempts: number;
  created: Date;
}

/** What Subscribe asks the store to do in one transaction. */
export interface ConfirmationRequest {
  /** The id a new subscriber gets. */
  id: string;
  email: string;
  itemIds: string[];
  /** SHA-256 (hex) of the confirmation token; the token itself is only in the mail. */
  tokenHash: string;
  expiresAt: Date;
  /** The unsubscribe token a new subscriber gets (an existing one keeps its own). */
  unsubscribeToken: string;
  now: Date;
  /** At most one confirmation mail per address in this long. */
  minIntervalMs: number;
  /** At most this many confirmation mails per address per 24 hours. */
  dailyCap: number;
  /** Renders the confirmation mail for the subscriber (new or existing). Runs inside the transaction: no I/O. */
  render: (subscriber: { id: string; unsubscribeToken: string }) => MailDraft;
}

/** What the fan-out writes back, in one transaction with the cursor's move. */
export interface FanOut {
  /** The cursor it claimed at (the write is refused if it moved, or the lease is gone). */
  from: number;
  to: number;
  /** When the mails are queued (their `created`, from which the 24 hours of retries count). */
  now: Date;
  mails: Array<{ subscriberId: string; to: string; draft: MailDraft }>;
  /** New throttle state per subscriber touched. */
  throttles: Array<{ subscriberId: string; windowStart: Date | undefined; windowCount: number; skipped: number }>;
  /** Keep the lease until then (more to do), or undefined to release it. */
  leaseUntil: Date | undefined;
}

/** One page of subscribers, newest first, with the counts of all. */
export interface SubscriberPage {
  subscribers: SubscriberRecord[];
  confirmed: number;
  pending: number;
  /** Where the next page starts; undefined on the last page. */
  nextAfter: { created: Date; id: string } | undefined;
}

/** The part of the store contract that keeps email subscriptions (optional, like the outbox). */
export interface MailStore {
  /**
   * Adds the address (pending) or, when it exists, sets its pending choice and a new token; and
   * queues the confirmation mail. Refuses (returning when to retry) when the address got a
   * confirmation mail within `minIntervalMs`, or `dailyCap` in the last 24 hours.
   */
  requestConfirmation(request: ConfirmationRequest): Promise<{ retryAt: Date | undefined }>;
  /**
   * Confirms the subscriber whose unexpired token hashes to `tokenHash`: its pending choice becomes
   * its subscription and the token is used up. Undefined for an unknown, used or expired token.
   */
  confirm(tokenHash: string, now: Date): Promise<SubscriberRecord | undefined>;
  /** Deletes the subscriber the token belongs to, with its queued mails; false when none. */
  unsubscribe(token: string): Promise<boolean>;
  /** Subscribers whose address contains `query` (case-insensitive), newest first (by creation, then id), after `after`. */
  listSubscribers(query: string, limit: number, after: { created: Date; id: string } | undefined): Promise<SubscriberPage>;
  getSubscriber(id: string): Promise<SubscriberRecord | undefined>;
  /** Deletes the subscriber and its queued mails; false when there was none. */
  removeSubscriber(id: string, audit?: AuditActor): Promise<boolean>;
  /** Deletes subscribers who never confirmed and whose link expired before `before`. Returns how many. */
  pruneUnconfirmed(before: Date): Promise<number>;

  /** Starts the mail cursor at the newest outbox event if there is none yet (so no old event is mailed). */
  ensureCursor(): Promise<void>;
  /** Forgets the mail cursor (mail is off): outbox pruning no longer waits for it. */
  dropCursor(): Promise<void>;
  /**
   * Leases the mail cursor to `owner` until `leaseUntil` when it is free (or its lease ran out, or
   * `owner` holds it) and events wait after it; returns the cursor, or undefined.
   */
  claimCursor(owner: string, now: Date, leaseUntil: Date): Promise<number | undefined>;
  /** Confirmed subscribers with their throttle state, in creation order. */
  recipients(): Promise<MailRecipient[]>;
  /**
   * Queues the mails, writes the throttles and moves the cursor from `from` to `to`, all in one
   * transaction, if `owner` still holds the cursor at `from`; false (nothing written) otherwise.
   * Mails to subscribers deleted meanwhile, and mails whose messageId is queued already, are left out.
   */
  commitFanOut(owner: string, fanOut: FanOut): Promise<boolean>;

  /**
   * Leases up to `limit` due mails to `owner`: each the oldest queued for its address (so mails to
   * one address go out in order), not leased by anyone else. Oldest first.
   */
  claimMails(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<QueuedMail[]>;
  /** Removes a mail that was sent (or given up on), if `owner` still holds it. */
  finishMail(seq: number, owner: string): Promise<void>;
  /** Records a failed attempt and when to try again, releasing the lease, if `owner` still holds it. */
  retryMail(seq: number, owner: string, attempts: number, nextAttemptAt: Date, error: string): Promise<void>;
  /** How many mails wait in the queue. */
  queuedMails(): Promise<number>;
}
