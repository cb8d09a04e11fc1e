import { invalidArgument } from "../errors.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** A list's page size: 0 means the default (20); at most 100. */
export function pageSizeOf(pageSize: number): number {
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  if (pageSize > MAX_PAGE_SIZE) throw invalidArgument("page_size", `must be at most ${MAX_PAGE_SIZE}`);
  return pageSize;
}

/**
 * Page tokens of incident and maintenance lists: "<start in epoch ms>.<id>" of the last record
 * given, so a page continues after it whatever was added since (keyset paging).
 */
export function encodePageToken(startsAt: Date, id: string): string {
  return `${startsAt.getTime()}.${id}`;
}

export function decodePageToken(token: string): { startsAt: Date; id: string } | undefined {
  if (token === "") return undefined;
  const match = /^(\d{1,15})\.([0-9A-Za-z]{1,64})$/.exec(token);
  if (!match) throw invalidArgument("page_token", "is not a token this server gave");
  return { startsAt: new Date(Number(match[1])), id: match[2]! };
}
