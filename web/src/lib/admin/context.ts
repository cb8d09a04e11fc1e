import { createContext } from "svelte";
import type { AdminClients } from "./clients.js";
import type { AdminSession } from "./session.svelte.js";

/** What every admin page needs: the RPC clients and the session. Set by the admin layout. */
export interface Admin {
  readonly clients: AdminClients;
  readonly session: AdminSession;
}

export const [getAdmin, setAdmin] = createContext<Admin>();
