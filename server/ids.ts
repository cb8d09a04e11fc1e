import KSUID from "ksuid";

/** Makes a new record id: a KSUID (27 base62 characters, time-ordered), as the original did. */
export function newId(): string {
  return KSUID.randomSync().string;
}
