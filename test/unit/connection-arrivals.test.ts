import net from "node:net";
import { describe, expect, it } from "vitest";
import { connectionsAccepted } from "../../server/connection-arrivals.js";
import { serve } from "../../server/http/serve.js";

describe("connection arrivals", () => {
  it("counts each connection the server accepts (the SQLite write queue holds a group while they come)", async () => {
    const server = await serve(
      {
        handle: (_req, res) => res.end(),
        handleUpgrade: (_req, socket) => socket.destroy(),
        beginShutdown: () => {},
        close: async () => {},
      },
      "127.0.0.1:0",
    );
    try {
      const before = connectionsAccepted();
      const sockets = await Promise.all(
        [1, 2, 3].map(
          () =>
            new Promise<net.Socket>((connected, failed) => {
              const socket = net.connect(server.port, server.host, () => connected(socket));
              socket.once("error", failed);
            }),
        ),
      );
      // Connected on the client's side may come before the server's accept: wait for it.
      for (let turns = 0; connectionsAccepted() - before < 3 && turns < 1_000; turns++) await new Promise((done) => setTimeout(done, 1));
      expect(connectionsAccepted() - before).toBe(3);
      for (const socket of sockets) socket.destroy();
    } finally {
      await server.close(100);
    }
  });
});
