/** When the webhooks admin page asks again (web/src/lib/admin/delivery-follow.ts): soon after a change, every second while sending, slowly otherwise. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeliveryFollow } from "../../web/src/lib/admin/delivery-follow.js";

describe("following deliveries on the webhooks page", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function follower(sending: () => boolean) {
    const at: number[] = [];
    const start = Date.now();
    const follow = new DeliveryFollow({
      refresh: async () => void at.push(Date.now() - start),
      sending,
    });
    return { follow, at };
  }

  it("asks slowly (every 30 s) while nothing changes", async () => {
    const { follow, at } = follower(() => false);
    await vi.advanceTimersByTimeAsync(65_000);
    expect(at).toEqual([30_000, 60_000]);
    follow.stop();
  });

  it("asks 0.3 s after a change, then every second while a webhook is sending, for at most 30 s", async () => {
    let sending = true;
    const { follow, at } = follower(() => sending);
    follow.changed();
    await vi.advanceTimersByTimeAsync(2_400);
    expect(at).toEqual([300, 1_300, 2_300]);
    sending = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toEqual([300, 1_300, 2_300, 3_300]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(at).toHaveLength(4); // back to slow
    sending = true;
    follow.changed(); // at 23.4 s
    await vi.advanceTimersByTimeAsync(61_000);
    // Every second for 30 s after that change, then slowly, even though it is still sending.
    const after = at.slice(4);
    expect(after.slice(0, 2)).toEqual([23_700, 24_700]);
    expect(after.filter((t) => t <= 53_700)).toHaveLength(31);
    expect(after.slice(-2)).toEqual([53_700, 83_700]);
    follow.stop();
    const count = at.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(at).toHaveLength(count);
  });

  it("asks at once when told (back in view)", async () => {
    const { follow, at } = follower(() => false);
    await vi.advanceTimersByTimeAsync(10_000);
    follow.now();
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toEqual([10_000]);
    follow.stop();
  });
});
