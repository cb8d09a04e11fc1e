/**
 * Preloaded into the server child by the fan-out bench (`node --import <this> dist/server/main.js`),
 * which spawns it with an IPC channel. On `{type: "probe"}` it runs a full garbage collection and
 * answers with `{type: "probe", id, memory: process.memoryUsage()}`, so idle-watcher memory is
 * measured on a settled heap. It adds nothing else to the server; when the bench goes away (the
 * channel closes), it stops the server with SIGTERM, as an operator would, so nothing outlives
 * the bench. Plain JavaScript, so the server runs as built, with no TypeScript loader in it.
 */
import v8 from "node:v8";
import vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

if (process.send) {
  process.on("message", (message) => {
    if (message?.type !== "probe") return;
    gc();
    gc();
    process.send?.({ type: "probe", id: message.id ?? 0, memory: process.memoryUsage() });
  });
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
  // The channel must not keep the server running by itself.
  process.channel?.unref();
}
