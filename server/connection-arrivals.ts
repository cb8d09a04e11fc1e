/**
 * How many connections the server has accepted so far, for work that should wait while more
 * are coming. Node (libuv ≥ 1.45) accepts one connection per event-loop turn, so when many
 * clients connect at once the rest wait in the kernel's queue, one turn each: a turn made long
 * by other work (a group commit's fsync and answers) makes them all wait longer.
 */
let accepted = 0;

/** Called by the listener for each connection it accepts. */
export function noteConnectionAccepted(): void {
  accepted++;
}

/** Grows by one with each accepted connection: compare with an earlier reading. */
export function connectionsAccepted(): number {
  return accepted;
}
