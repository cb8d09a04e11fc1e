/**
 * Writers that keep writing through failures and count each outcome by its Connect code, for
 * tests that take the database away under load and check what clients saw.
 */
import { ConnectError } from "@connectrpc/connect";
import { createClients, createTransport, type Protocol } from "./clients.js";
import { codeString } from "./watch.js";

export class WriteLoad {
  /** How many writes ended with each code ("ok" for success), in total. */
  readonly outcomes = new Map<string, number>();
  /** One example message per code other than "ok", for failure messages. */
  readonly examples = new Map<string, string>();
  /** Settles when every writer has stopped after `stop()`. */
  readonly done: Promise<void>;
  #stopped = false;

  /** Starts `count` writers on `baseUrl`, each looping AddItem, writer w over `protocols[w % protocols.length]`. */
  constructor(baseUrl: string, count: number, protocols: readonly Protocol[] = ["connect-json"]) {
    this.done = Promise.all(Array.from({ length: count }, (_, w) => this.#write(baseUrl, w, protocols[w % protocols.length]!))).then(() => {});
  }

  /** How many writes ended with `code` so far. */
  count(code: string): number {
    return this.outcomes.get(code) ?? 0;
  }

  /** Every code seen but "ok", with how often and an example message. */
  failures(): string[] {
    return [...this.outcomes].filter(([code]) => code !== "ok").map(([code, n]) => `${code} ×${n} (${this.examples.get(code)})`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.done;
  }

  async #write(baseUrl: string, w: number, protocol: Protocol): Promise<void> {
    const client = createClients(createTransport(protocol, baseUrl));
    for (let n = 0; !this.#stopped; n++) {
      let code = "ok";
      try {
        await client.items.addItem({ name: `load ${w} item ${n}` });
      } catch (error) {
        const e = ConnectError.from(error);
        code = codeString(e.code);
        if (!this.examples.has(code)) this.examples.set(code, e.rawMessage);
      }
      this.outcomes.set(code, this.count(code) + 1);
      // A failed write is retried after a pause, as a client would, not in a tight loop.
      if (code !== "ok") await new Promise((r) => setTimeout(r, 50));
    }
  }
}
