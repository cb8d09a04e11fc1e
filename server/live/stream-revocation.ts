import { credentialsRevoked, type DomainError } from "../errors.js";
import type { StreamGrant } from "../auth/stream-grant.js";
import type { Logger } from "../logger.js";

/**
 * Ends open streams whose caller lost the right to them: a revoked API token, an ended session
 * (logout, password change), a deleted user. Streams are grouped by credential, so a wall of
 * displays sharing one token costs one check. `checkNow` runs the checks: the hub calls it on
 * every heartbeat tick (which catches revocations made on another replica or by the CLI), and
 * the app right after a call here that may have revoked something.
 */
export class StreamRevocation {
  private readonly byKey = new Map<string, { grant: StreamGrant; ends: Set<(error: DomainError) => void> }>();
  private checking: Promise<void> | undefined;
  private askedAgain = false;

  constructor(private readonly log: Logger) {}

  /** Calls `end` once `grant` is no longer allowed. Returns how to stop watching (the stream ended by itself). */
  add(grant: StreamGrant, end: (error: DomainError) => void): () => void {
    let entry = this.byKey.get(grant.key);
    if (!entry) {
      entry = { grant, ends: new Set() };
      this.byKey.set(grant.key, entry);
    }
    const ends = entry.ends;
    // A fresh function per stream, so two streams never share a Set entry.
    const own = (error: DomainError) => end(error);
    ends.add(own);
    return () => {
      ends.delete(own);
      if (ends.size === 0 && this.byKey.get(grant.key)?.ends === ends) this.byKey.delete(grant.key);
    };
  }

  /** Checks every grant; a call while a check runs makes it run once more after (nothing revoked meanwhile is missed). */
  checkNow(): Promise<void> {
    if (this.checking) {
      this.askedAgain = true;
      return this.checking;
    }
    this.checking = this.checkAll().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    do {
      this.askedAgain = false;
      for (const [key, entry] of [...this.byKey]) {
        let allowed: boolean;
        try {
          allowed = await entry.grant.stillAllowed();
        } catch (error) {
          // Unknown (the database is away): keep the streams, and ask again next time.
          this.log.warn({ error: (error as Error).message }, "could not re-check a stream's credentials");
          continue;
        }
        if (allowed || this.byKey.get(key) !== entry) continue;
        this.byKey.delete(key);
        const revoked = credentialsRevoked();
        for (const end of entry.ends) end(revoked);
      }
    } while (this.askedAgain);
  }
}
