/** Reads `?at=`: an ISO time (or epoch ms) in the past, else undefined. */
export function parseAt(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
