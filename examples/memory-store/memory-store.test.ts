/** Runs the store conformance suite against the in-memory example store, so CI keeps the example working. */
import * as vitest from "vitest";
import { describeStoreContract } from "../../server/testing.js";
import { MemoryData, MemoryStore } from "./memory-store.js";

describeStoreContract(
  "MemoryStore (examples/memory-store)",
  async () => {
    const data = new MemoryData();
    let current = new MemoryStore(data);
    return {
      store: current,
      async reopen() {
        await current.close();
        current = new MemoryStore(data);
        return current;
      },
      async cleanup() {
        await current.close();
      },
    };
  },
  vitest,
  // It keeps no email subscriptions (`Store.mail` is optional): a server on it sends no email.
  { mail: false },
);
