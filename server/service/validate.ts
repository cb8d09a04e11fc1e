import { charCount, DESCRIPTION_MAX, NAME_MAX, normalizeColor, NOTE_TEXT_MAX } from "../../shared/limits.js";
import { nameCharacterProblem } from "../../shared/name-characters.js";
import { isKnownKind } from "../../shared/status-kinds.js";
import { invalidArgument } from "../errors.js";

/** A required id field: present, or invalid_argument. Whether it exists is the store's question. */
export function requireId(field: string, value: string): string {
  const id = value.trim();
  if (id === "") throw invalidArgument(field, "is required");
  return id;
}

/**
 * A required name: 1-200 characters after trimming, nothing invisible or control in it (names
 * are compared after NFKC, see nameKey, so none may differ only by what nobody can see);
 * returns the trimmed name.
 */
export function requireName(field: string, value: string): string {
  const name = value.trim();
  if (name === "") throw invalidArgument(field, "is required");
  const invisible = nameCharacterProblem(name);
  if (invisible) throw invalidArgument(field, `must not contain invisible or control characters (${invisible})`);
  if (charCount(name) > NAME_MAX) throw invalidArgument(field, `must be at most ${NAME_MAX} characters`);
  return name;
}

/** An optional name in an update: empty means unchanged. */
export function optionalName(field: string, value: string): string | undefined {
  return value.trim() === "" ? undefined : requireName(field, value);
}

/** A description: at most 2,000 characters. */
export function checkDescription(field: string, value: string): string {
  if (charCount(value) > DESCRIPTION_MAX) throw invalidArgument(field, `must be at most ${DESCRIPTION_MAX} characters`);
  return value;
}

/**
 * A description in an update. The wire contract reads an empty string as "unchanged" (proto3 has
 * no presence for it), so a description of only white space is how a client clears one: it is
 * stored empty. Returns undefined for "unchanged".
 */
export function descriptionUpdate(field: string, value: string): string | undefined {
  if (value === "") return undefined;
  return value.trim() === "" ? "" : checkDescription(field, value);
}

/** Note text: 1-10,000 characters, not only white space. */
export function requireNoteText(field: string, value: string): string {
  if (value.trim() === "") throw invalidArgument(field, "is required");
  if (charCount(value) > NOTE_TEXT_MAX) throw invalidArgument(field, `must be at most ${NOTE_TEXT_MAX} characters`);
  return value;
}

/** A required color, `#RGB` or `#RRGGBB`; returns uppercase `#RRGGBB`. */
export function requireColor(field: string, value: string): string {
  if (value.trim() === "") throw invalidArgument(field, "is required");
  const color = normalizeColor(value);
  if (color === undefined) throw invalidArgument(field, 'must be a hex color like "#1A2B3C" or "#ABC"');
  return color;
}

/** A required status kind: a defined value other than STATUS_KIND_UNKNOWN. */
export function requireKind(field: string, value: number): number {
  if (value === 0) throw invalidArgument(field, "is required (STATUS_KIND_UNKNOWN is not a kind)");
  if (!isKnownKind(value)) throw invalidArgument(field, `${value} is not a defined StatusKind`);
  return value;
}

/** Kinds used as a filter: each must be defined. */
export function checkKinds(field: string, values: readonly number[]): readonly number[] {
  for (const value of values) {
    if (!isKnownKind(value)) throw invalidArgument(field, `${value} is not a defined StatusKind`);
  }
  return values;
}
