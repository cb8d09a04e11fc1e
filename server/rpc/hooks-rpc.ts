import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { HeartbeatSchema, HookCallSchema, HookSchema, type HooksService as HooksApi } from "../../shared/gen/statusthing/v1/hooks_pb.js";
import type { HookRecord } from "../store/inlet-store.js";
import type { HeartbeatsService, HeartbeatView } from "../service/inlets/heartbeats.js";
import type { HooksService } from "../service/inlets/hooks.js";
import { auditOf } from "./audit-interceptor.js";

/** The path a heartbeat's secret is pinged at. */
export const heartbeatPath = (secret: string) => `/hooks/heartbeat/${secret}`;

/** `statusthing.v1.HooksService`: hooks and heartbeats, for admins (see the permission table). */
export function createHooksRpc(hooks: HooksService, heartbeats: HeartbeatsService): ServiceImpl<typeof HooksApi> {
  return {
    async listHooks() {
      return { hooks: (await hooks.list()).map(toHook) };
    },
    async addHook(req, ctx) {
      return { hook: toHook(await hooks.add({ name: req.name, labelName: req.labelName, severities: req.severities, notes: req.notes }, auditOf(ctx))) };
    },
    async updateHook(req, ctx) {
      return { hook: toHook(await hooks.update(req.hookId, { name: req.name, labelName: req.labelName, severities: req.severities, notes: req.notes }, auditOf(ctx))) };
    },
    async deleteHook(req, ctx) {
      await hooks.delete(req.hookId, auditOf(ctx));
      return {};
    },
    async listHookCalls(req) {
      const calls = await hooks.calls(req.hookId, req.limit);
      return { calls: calls.map((c) => create(HookCallSchema, { id: c.id, at: timestampFromDate(c.at), caller: c.caller, source: c.source, alerts: c.alerts })) };
    },
    async listHeartbeats() {
      return { heartbeats: (await heartbeats.list()).map(toHeartbeat) };
    },
    async setHeartbeat(req, ctx) {
      const { view, secret } = await heartbeats.set(
        req.itemId,
        {
          intervalSeconds: req.intervalSeconds,
          graceSeconds: req.graceSeconds,
          lateStatusId: req.lateStatusId,
          lateNote: req.lateNote,
        },
        auditOf(ctx),
      );
      return { heartbeat: toHeartbeat(view), secret: secret ?? "", pingPath: secret ? heartbeatPath(secret) : "" };
    },
    async rotateHeartbeatSecret(req, ctx) {
      const secret = await heartbeats.rotateSecret(req.itemId, auditOf(ctx));
      return { secret, pingPath: heartbeatPath(secret) };
    },
    async deleteHeartbeat(req, ctx) {
      await heartbeats.delete(req.itemId, auditOf(ctx));
      return {};
    },
  };
}

function toHook(hook: HookRecord) {
  return create(HookSchema, {
    id: hook.id,
    name: hook.name,
    labelName: hook.config.labelName,
    severities: hook.config.severities,
    notes: hook.config.notes,
    created: timestampFromDate(hook.created),
    updated: timestampFromDate(hook.updated),
  });
}

function toHeartbeat(view: HeartbeatView) {
  const { heartbeat } = view;
  return create(HeartbeatSchema, {
    itemId: heartbeat.itemId,
    intervalSeconds: heartbeat.config.intervalSeconds,
    graceSeconds: heartbeat.config.graceSeconds,
    lateStatusId: heartbeat.config.lateStatusId,
    lateNote: heartbeat.config.lateNote,
    lastPing: view.lastPing && timestampFromDate(view.lastPing),
    deadline: view.deadline && timestampFromDate(view.deadline),
    late: view.late,
  });
}
