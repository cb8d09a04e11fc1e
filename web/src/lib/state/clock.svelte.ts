import { createSubscriber } from "svelte/reactivity";

/**
 * The time, ticking while something on the page reads it: one timer for the whole page however
 * many "N s ago" labels and clocks read it, and none when nothing does.
 */
export class Clock {
  #now = Date.now();
  #ticking = false;
  #subscribe;

  constructor(intervalMs = 1_000) {
    this.#subscribe = createSubscriber((update) => {
      // Tick on the second boundary, so a clock showing seconds changes when a watch does.
      let timer: ReturnType<typeof setTimeout>;
      const tick = () => {
        this.#now = Date.now();
        update();
        timer = setTimeout(tick, intervalMs - (this.#now % intervalMs) + 5);
      };
      this.#ticking = true;
      tick();
      return () => {
        this.#ticking = false;
        clearTimeout(timer);
      };
    });
  }

  /** Milliseconds since the epoch, updated every interval while read in an effect or template. */
  get now(): number {
    this.#subscribe();
    return this.#ticking ? this.#now : Date.now();
  }
}

/** The page's shared clock. */
export const clock = new Clock();
