import type { ConnectionState } from "./watch-loop.js";

/** After this long without a live stream a page dims what it shows: it may be out of date. */
export const STALE_AFTER_MS = 30_000;

/** Whether the page has lost its stream (after having had one, or never getting one). */
export function isOffline(connection: ConnectionState): boolean {
  return connection.phase !== "live" && connection.downSince !== undefined;
}

/** Whether what the page shows may be out of date: offline for {@link STALE_AFTER_MS} or more. */
export function isStale(connection: ConnectionState, now: number): boolean {
  return isOffline(connection) && now - (connection.downSince ?? 0) >= STALE_AFTER_MS;
}
