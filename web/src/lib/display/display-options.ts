import type { StatusKind } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import { parseKind, parseKinds } from "../../../../shared/status-kinds.js";

/** The wall display's settings, from its query string. */
export interface DisplayOptions {
  /** Only items whose status is of these kinds; empty means all. (`?kinds=down,warning`) */
  kinds: StatusKind[];
  /** Dark unless asked otherwise. (`?theme=light`) */
  theme: "dark" | "light";
  /** Seconds each page stays when the items need more than one; 0 keeps the first page. (`?rotate=20`) */
  rotateSeconds: number;
  /** The heading. (`?title=Office%20systems`) */
  title: string;
  /** Words in `?kinds=` that name no kind: the display says so rather than quietly show everything. */
  unknownKinds?: string[];
}

export const DEFAULT_ROTATE_SECONDS = 15;
const MIN_ROTATE_SECONDS = 3;
const MAX_TITLE_CHARS = 80;

/** Reads the display's query string; anything invalid falls back to the default. */
export function parseDisplayOptions(params: URLSearchParams): DisplayOptions {
  const theme = params.get("theme")?.trim().toLowerCase() === "light" ? "light" : "dark";
  const rotateText = params.get("rotate")?.trim();
  let rotateSeconds = DEFAULT_ROTATE_SECONDS;
  if (rotateText && /^\d+(\.\d+)?$/.test(rotateText)) {
    const value = Number(rotateText);
    rotateSeconds = value === 0 ? 0 : Math.min(3600, Math.max(MIN_ROTATE_SECONDS, value));
  }
  const title = [...(params.get("title") ?? "").trim()].slice(0, MAX_TITLE_CHARS).join("") || "Status";
  const kindWords = params.getAll("kinds").flatMap((value) => value.split(",").map((word) => word.trim()));
  const unknownKinds = [...new Set(kindWords.filter((word) => word !== "" && parseKind(word) === undefined))].map((word) => [...word].slice(0, 40).join(""));
  return { kinds: parseKinds(params.getAll("kinds")), theme, rotateSeconds, title, ...(unknownKinds.length ? { unknownKinds } : {}) };
}
