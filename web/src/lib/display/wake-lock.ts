/**
 * Keeps the screen on while the page is visible, where the browser offers the Screen Wake Lock
 * API (it needs a secure context: HTTPS or localhost). The browser drops the lock whenever the
 * page is hidden, so it is taken again each time the page becomes visible. Returns the release.
 */
export function holdWakeLock(): () => void {
  type Sentinel = { release(): Promise<void>; released: boolean };
  const wakeLock = (navigator as Navigator & { wakeLock?: { request(type: "screen"): Promise<Sentinel> } }).wakeLock;
  if (!wakeLock) return () => {};
  let sentinel: Sentinel | undefined;
  let done = false;
  const acquire = async () => {
    if (done || document.visibilityState !== "visible" || (sentinel && !sentinel.released)) return;
    try {
      sentinel = await wakeLock.request("screen");
      if (done) void sentinel.release();
    } catch {
      // Refused (battery saver, no user gesture yet, not a secure context): the screen may sleep.
    }
  };
  void acquire();
  document.addEventListener("visibilitychange", acquire);
  return () => {
    done = true;
    document.removeEventListener("visibilitychange", acquire);
    void sentinel?.release().catch(() => {});
  };
}
