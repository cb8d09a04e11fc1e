/**
 * The notes incidents and maintenance windows write on the items they change: how they name
 * their source, so a reader (and the mail worker) can tell them from notes people add.
 */

/** What such a note ends with, in parentheses: "incident <id>" or "maintenance <id>". */
export const noteReference = (kind: "incident" | "maintenance", id: string): string => `${kind} ${id}`;

const REFERENCE_AT_END = /\((?:incident|maintenance) [0-9A-Za-z]+\)$/;

/** Whether a note's text is one an incident or a window wrote (see `noteFor`). */
export const isIncidentNote = (text: string): boolean => REFERENCE_AT_END.test(text);

/** A time as a visitor reads it, zone named: "2026-06-02 23:30 UTC". */
export const utcMinute = (at: Date): string => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
