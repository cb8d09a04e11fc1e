/**
 * Preloaded into the server child by the fan-out bench (`node --import <this> server/main.ts`),
 * which spawns it with an IPC channel. On `{type: "probe"}` it runs a full garbage collection and
 * answers with `process.memoryUsage()`, so idle-watcher memory is measured on a settled heap. It
 * adds nothing else to the server; when the bench goes away (the channel closes), it stops the
 * server with SIGTERM, as an operator would, so nothing outlives the bench.
 */
import v8 from "node:v8";
import vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

export interface ProbeReply {
  type: "probe";
  id: number;
  memory: NodeJS.MemoryUsage;
}

if (process.send) {
  process.on("message", (raw: unknown) => {
    const message = raw as { type?: string; id?: number };
    if (message?.type !== "probe") return;
    gc();
    gc();
    const reply: ProbeReply = { type: "probe", id: message.id ?? 0, memory: process.memoryUsage() };
    process.send?.(reply);
  });
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
  // The channel must not keep the server running by itself.
  process.channel?.unref();
}
