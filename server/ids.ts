import { randomFillSync } from "node:crypto";

/** KSUID's epoch (2014-05-13T16:53:20Z), in ms since 1970. */
const KSUID_EPOCH_MS = 14e11;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ENCODED_LENGTH = 27;

/**
 * Random bytes fetched a few kilobytes at a time, as crypto.randomUUID does: one call into the
 * system's generator per 256 ids rather than per id (every write makes two or three).
 */
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;

function randomPayload(): Buffer {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 16;
  return pool.subarray(poolOffset - 16, poolOffset);
}

/**
 * A KSUID's 27-character base62 form (as the `ksuid` package writes it) of its 20 bytes: long
 * division of five 32-bit words by 62, each remainder a digit from the right.
 */
export function ksuidString(time: number, payload: Uint8Array): string {
  const words = [Math.floor((time - KSUID_EPOCH_MS) / 1e3) >>> 0, 0, 0, 0, 0];
  for (let w = 0; w < 4; w++) {
    const i = w * 4;
    words[w + 1] = ((payload[i]! << 24) | (payload[i + 1]! << 16) | (payload[i + 2]! << 8) | payload[i + 3]!) >>> 0;
  }
  let out = "";
  for (let d = 0; d < ENCODED_LENGTH; d++) {
    let remainder = 0;
    for (let w = 0; w < 5; w++) {
      // < 62 · 2^32: exact in a double.
      const value = remainder * 0x1_0000_0000 + words[w]!;
      words[w] = Math.floor(value / 62);
      remainder = value - words[w]! * 62;
    }
    out = BASE62[remainder]! + out;
  }
  return out;
}

/** Makes a new record id: a KSUID (27 base62 characters, time-ordered), as the original did. */
export function newId(): string {
  return ksuidString(Date.now(), randomPayload());
}
