/**
 * Concurrent writers that record what the server acknowledged, for tests that stop a server
 * mid-write (SIGKILL, SIGTERM) and then check that every acknowledged write survived.
 */
import { createClients, createTransport, type Protocol } from "./clients.js";

export interface AckedItem {
  id: string;
  name: string;
}
export interface AckedNote {
  id: string;
  text: string;
}

export class AckedWriters {
  readonly items: AckedItem[] = [];
  readonly notes: AckedNote[] = [];
  /** Requests sent and not yet answered. */
  inFlight = 0;
  /** Failures before `stopping()`: there should be none. */
  readonly errors: unknown[] = [];
  /** Settles when every writer has stopped (each stops at its first failure). */
  readonly done: Promise<void>;
  #stopping = false;

  /**
   * Starts `count` writers on `baseUrl`, each looping AddItem (in `initialStatusId`, if given)
   * then AddNote on it, writer w over `protocols[w % protocols.length]`.
   */
  constructor(baseUrl: string, count: number, options: { protocols?: readonly Protocol[]; initialStatusId?: string } = {}) {
    const protocols = options.protocols ?? ["connect-json"];
    this.done = Promise.all(Array.from({ length: count }, (_, w) => this.#write(baseUrl, w, protocols[w % protocols.length]!, options.initialStatusId))).then(() => {});
  }

  /** How many writes were acknowledged so far. */
  get acked(): number {
    return this.items.length + this.notes.length;
  }

  /** The server is about to go away: failures from now on are expected, not errors. */
  stopping(): void {
    this.#stopping = true;
  }

  async #write(baseUrl: string, w: number, protocol: Protocol, initialStatusId: string | undefined): Promise<void> {
    const client = createClients(createTransport(protocol, baseUrl));
    for (let n = 0; ; n++) {
      try {
        const name = `writer ${w} item ${n}`;
        this.inFlight++;
        const { item } = await client.items.addItem({ name, ...(initialStatusId ? { initialStatusId } : {}) });
        this.inFlight--;
        this.items.push({ id: item!.id, name });
        const text = `writer ${w} note ${n}`;
        this.inFlight++;
        const { note } = await client.notes.addNote({ itemId: item!.id, noteText: text });
        this.inFlight--;
        this.notes.push({ id: note!.id, text });
      } catch (error) {
        if (!this.#stopping) this.errors.push(error);
        return;
      }
    }
  }

  /**
   * What the server at `baseUrl` lacks or changed of the acknowledged writes (25 reads at a
   * time): an empty list when all of them survived, each item in `statusId` when given.
   */
  async missingFrom(baseUrl: string, statusId?: string): Promise<string[]> {
    const check = createClients(createTransport("connect-json", baseUrl));
    const missing: string[] = [];
    const inBatches = async <T>(inputs: readonly T[], task: (input: T) => Promise<void>) => {
      for (let i = 0; i < inputs.length; i += 25) await Promise.all(inputs.slice(i, i + 25).map(task));
    };
    await inBatches(this.items, async ({ id, name }) => {
      try {
        const { item } = await check.items.getItem({ itemId: id });
        if (item?.name !== name || (statusId !== undefined && item.status?.id !== statusId)) missing.push(`item ${id} (${name}) came back as ${item?.name}/${item?.status?.id}`);
      } catch (error) {
        missing.push(`item ${id} (${name}): ${String(error)}`);
      }
    });
    await inBatches(this.notes, async ({ id, text }) => {
      try {
        const { note } = await check.notes.getNote({ noteId: id });
        if (note?.text !== text) missing.push(`note ${id} (${text}) came back as ${note?.text}`);
      } catch (error) {
        missing.push(`note ${id} (${text}): ${String(error)}`);
      }
    });
    return missing;
  }
}
