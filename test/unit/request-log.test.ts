import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRequestLog, formatRequestLine, loggedPath, msText, type RequestLine } from "../../server/http/request-log.js";
import { createLogger, isoTimeField } from "../../server/logger.js";
import type { NodeRequest, NodeResponse } from "../../server/node-request.js";

/** A logger made by createLogger, and the text it wrote. */
function capture(level: "info" | "warn" = "info") {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return { log: createLogger(level, sink), text: () => text };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const LINES: RequestLine[] = [
  { method: "POST", path: "/statusthing.v1.ItemsService/ListItems", httpVersion: "1.1", status: 200, code: "ok", ms: 0.123456, aborted: false },
  { method: "GET", path: "/badge.svg", httpVersion: "2.0", status: 304, code: "ok", ms: 12, aborted: true },
  { method: "PUT", path: '/a"b\\c', httpVersion: "1.0", status: 404, code: "unimplemented", ms: 1e-7, aborted: false },
  { method: "GET", path: "/tab\there/\u0001/\u00e9\u00ff", httpVersion: "1.1", status: 500, code: "internal", ms: 123456.789, aborted: false },
  { method: "GET", path: `/${"x".repeat(150)}"`, httpVersion: "1.1", status: 400, code: "grpc_3", ms: 0, aborted: false },
];

describe("the request log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("formats a line byte for byte as pino writes it for a logger made by createLogger", async () => {
    vi.spyOn(Date, "now").mockReturnValue(Date.UTC(2026, 10, 30, 12, 0, 0, 7));
    for (const line of LINES) {
      const { log, text } = capture();
      log.info({ ...line }, "request");
      await flush();
      expect(formatRequestLine(line)).toBe(text());
    }
  });

  it("formats the time as pino's isoTime does, once per millisecond", () => {
    const now = vi.spyOn(Date, "now");
    for (const ms of [0, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 999, Date.UTC(2026, 0, 1) + 1000]) {
      now.mockReturnValue(ms);
      expect(isoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
      expect(isoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
    }
  });

  it("writes a duration in nanoseconds as String writes it", () => {
    const samples = [0, 1, 10, 999_999, 1_000_000, 1_000_001, 123_456, 120_000, 2 ** 40 + 17, 999_999_999_999_999];
    let seed = 11;
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 48271) % 2147483647;
      // Spread over nine orders of magnitude: from a microsecond to hours.
      samples.push(Math.floor((seed / 2147483647) * 10 ** (3 + (i % 10))));
    }
    for (const ns of samples) expect(msText(ns / 1e6)).toBe(String(ns / 1e6));
    for (const ms of [0.1 + 0.2, 1 / 3, 1e-9, 2e9, 12.5]) expect(msText(ms)).toBe(String(ms));
  });

  it("logs the path without its query or a heartbeat's secret", () => {
    expect(loggedPath("/badge.svg?style=flat&token=secret")).toBe("/badge.svg");
    expect(loggedPath("/hooks/heartbeat/s3cret?x=1")).toBe("/hooks/heartbeat/…");
    expect(loggedPath("/hooks/heartbeat/")).toBe("/hooks/heartbeat/");
    expect(loggedPath("/statusthing.v1.ItemsService/ListItems")).toBe("/statusthing.v1.ItemsService/ListItems");
  });

  /** A response that finishes as Node's does: "finish", then "close". */
  function exchange(url: string, contentType?: string) {
    const req = { method: "POST", url, httpVersion: "1.1", headers: contentType ? { "content-type": contentType } : {} } as unknown as NodeRequest;
    const res = Object.assign(new EventEmitter(), {
      statusCode: 200,
      writableFinished: false,
      addTrailers(_headers: Record<string, string>) {},
    });
    const finish = (status: number) => {
      res.statusCode = status;
      res.writableFinished = true;
      res.emit("finish");
      res.emit("close");
    };
    return { req, res: res as unknown as NodeResponse & EventEmitter, finish };
  }

  it("writes the same line by hand as through pino, once per request, and observes it once", async () => {
    const observed: string[] = [];
    const plain = capture();
    // A child logger is not one createLogger made: its lines go through pino.
    const other = capture();
    const child = other.log.child({});
    for (const [log, text] of [
      [plain.log, plain.text],
      [child, other.text],
    ] as const) {
      const logRequest = createRequestLog(log, (path, code) => observed.push(`${path} ${code}`));
      const { req, res, finish } = exchange("/statusthing.v1.ItemsService/GetItem?x=1");
      logRequest(req, res, {});
      finish(404);
      await flush();
      const lines = text().trim().split("\n");
      expect(lines).toHaveLength(1);
      const { time, ms, ...fields } = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(typeof time).toBe("string");
      expect(typeof ms).toBe("number");
      expect(fields).toEqual({
        level: "info",
        service: "statusthing",
        method: "POST",
        path: "/statusthing.v1.ItemsService/GetItem",
        httpVersion: "1.1",
        status: 404,
        code: "unimplemented",
        aborted: false,
        msg: "request",
      });
    }
    expect(observed).toEqual(["/statusthing.v1.ItemsService/GetItem unimplemented", "/statusthing.v1.ItemsService/GetItem unimplemented"]);
  });

  it("takes a gRPC answer's code from its trailers, and writes nothing below its level", async () => {
    const { log, text } = capture();
    const logRequest = createRequestLog(log);
    const { req, res, finish } = exchange("/statusthing.v1.ItemsService/GetItem", "application/grpc+proto");
    logRequest(req, res, {});
    res.addTrailers({ "grpc-status": "5" });
    finish(200);
    await flush();
    expect(JSON.parse(text()) as Record<string, unknown>).toMatchObject({ status: 200, code: "grpc_5" });

    const quiet = capture("warn");
    const quietLog = createRequestLog(quiet.log);
    const second = exchange("/x");
    quietLog(second.req, second.res, {});
    second.finish(200);
    await flush();
    expect(quiet.text()).toBe("");
  });
});
