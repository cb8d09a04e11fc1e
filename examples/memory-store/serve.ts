/**
 * StatusThing on the in-memory store: `node --import tsx examples/memory-store/serve.ts`, then
 * open http://127.0.0.1:9000 (sign in at /admin as admin / password). Everything is forgotten
 * when the process ends.
 */
import { createApp, createLogger, serve } from "../../server/index.js";
import { MemoryStore } from "./memory-store.js";

const app = await createApp({ store: new MemoryStore(), logger: createLogger("info") });
const server = await serve(app, process.env.ADDRESS ?? "127.0.0.1:9000");
console.log(`serving on ${server.url}`);
