import type { Transport } from "@connectrpc/connect";
import { createContext } from "svelte";
import type { LiveItems } from "./live-items.svelte.js";

/** The app's one transport, set by the root layout. */
export const [getTransport, setTransport] = createContext<Transport>();

/** The app's one live view of the items, set by the root layout; pages only read it. */
export const [getLiveItems, setLiveItems] = createContext<LiveItems>();
