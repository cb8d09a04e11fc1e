import pg, { type ClientConfig } from "pg";
import type { Logger } from "../../logger.js";

/** Reconnect delays: from `minMs`, doubling up to `maxMs`, with jitter. */
export interface ReconnectBackoff {
  minMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: ReconnectBackoff = { minMs: 100, maxMs: 5_000 };

/** How often the listening connection is asked `SELECT 1`, and how long it may take to answer. */
export interface LivenessCheck {
  everyMs: number;
  timeoutMs: number;
}

const DEFAULT_CHECK: LivenessCheck = { everyMs: 30_000, timeoutMs: 10_000 };

/**
 * Appended to the connection's application_name ("statusthing", or what the URL says), so an
 * operator can tell the listening connection from pooled ones in pg_stat_activity.
 */
export const LISTENER_NAME_SUFFIX = "-listener";

/**
 * One dedicated connection (not from the pool: a pooled connection is shared and recycled) that
 * LISTENs on a channel and calls its subscribers on each notification. When the connection is
 * lost it reconnects with backoff, and after every successful LISTEN (the first one included) it
 * calls the subscribers once, since notifications sent while it was away are gone: they catch
 * up from the change log, so nothing is lost but latency.
 *
 * A connection that is terminated or closed says so at once. One whose network path silently
 * dropped it (a NAT or firewall forgetting an idle flow, a host gone without a reset) would look
 * alive for as long as TCP keeps retrying, many minutes, while no notification arrives: so the
 * connection is also asked `SELECT 1` now and then, and is cut and replaced when it does not
 * answer in time. The queries also keep the flow from looking idle.
 */
export class ChangeListener {
  private readonly subscribers = new Set<(payload: string | undefined) => void>();
  private client: pg.Client | undefined;
  private connecting = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  private pid: number | undefined;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly log?: Logger,
    private readonly backoff: ReconnectBackoff = DEFAULT_BACKOFF,
    private readonly liveness: LivenessCheck = DEFAULT_CHECK,
  ) {}

  /**
   * Adds a subscriber; the first one starts listening. It gets each notification's payload, and
   * undefined when listening (re)starts. Returns how to remove it.
   */
  subscribe(onChange: (payload: string | undefined) => void): () => void {
    // A fresh function per subscription, so the same callback may subscribe twice.
    const entry = (payload: string | undefined) => onChange(payload);
    this.subscribers.add(entry);
    if (!this.running) {
      this.running = true;
      void this.connect();
    }
    return () => {
      this.subscribers.delete(entry);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Whether the LISTEN is in effect now; undefined while nobody subscribes (nothing to listen for). */
  get connected(): boolean | undefined {
    return this.running ? this.client !== undefined : undefined;
  }

  /** The server process id of the listening connection, while there is one (for tests and diagnostics). */
  get backendPid(): number | undefined {
    return this.client ? this.pid : undefined;
  }

  /** Stops listening and closes the connection. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.checkTimer);
    this.checkTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.pid = undefined;
    if (client) void client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (!this.running || this.connecting || this.client) return;
    this.connecting = true;
    const client = new pg.Client(this.config);
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, undefined));
    client.on("notification", (message) => {
      if (message.channel === this.channel && this.client === client) this.ring(message.payload);
    });
    try {
      await client.connect();
      this.pid = await this.nameAndPidOf(client);
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
    } catch (error) {
      this.connecting = false;
      void client.end().catch(() => {});
      this.retry(error);
      return;
    }
    this.connecting = false;
    if (!this.running) {
      void client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.checkLiveness(client);
    if (this.failures > 0) this.log?.info({ channel: this.channel }, "listening for changes again");
    this.failures = 0;
    // Whatever was committed before this LISTEN took effect is read from the log now.
    this.ring(undefined);
  }

  /** Names the connection `<application_name>-listener` (63 bytes at most) and returns its server process id. */
  private async nameAndPidOf(client: pg.Client): Promise<number> {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pg_backend_pid() AS pid, set_config('application_name', left(current_setting('application_name'), $1) || $2, false)",
      [63 - LISTENER_NAME_SUFFIX.length, LISTENER_NAME_SUFFIX],
    );
    return rows[0]!.pid;
  }

  /** Asks `client` `SELECT 1` every so often while it is the listening connection; cuts it if it does not answer in time. */
  private checkLiveness(client: pg.Client): void {
    clearInterval(this.checkTimer);
    let asking = false;
    this.checkTimer = setInterval(() => {
      if (asking || this.client !== client) return;
      asking = true;
      const { timeoutMs } = this.liveness;
      const deadline = setTimeout(() => {
        if (this.client !== client) return;
        // It never says it has ended by itself: destroy the socket, and start over.
        client.connection.stream.destroy();
        this.lost(client, new Error(`the listening connection did not answer SELECT 1 within ${timeoutMs} ms`));
      }, timeoutMs);
      deadline.unref();
      client
        .query("SELECT 1")
        // A connection that failed reports it through its error and end events.
        .catch(() => {})
        .finally(() => {
          clearTimeout(deadline);
          asking = false;
        });
    }, this.liveness.everyMs);
    this.checkTimer.unref();
  }

  private lost(client: pg.Client, error: Error | undefined): void {
    if (this.client !== client) return;
    clearInterval(this.checkTimer);
    this.checkTimer = undefined;
    this.client = undefined;
    this.pid = undefined;
    void client.end().catch(() => {});
    this.retry(error ?? new Error("connection ended"));
  }

  private retry(error: unknown): void {
    if (!this.running) return;
    const delay = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** this.failures);
    this.failures++;
    this.log?.warn({ err: error, retryInMs: delay, channel: this.channel }, "lost the connection that listens for changes; reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.connect();
      },
      delay * (0.75 + Math.random() * 0.5),
    );
    this.timer.unref();
  }

  private ring(payload: string | undefined): void {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(payload);
      } catch (error) {
        this.log?.error({ err: error }, "a change subscriber failed");
      }
    }
  }
}
