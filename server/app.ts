import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { REQUEST_BODY_MAX_BYTES } from "../shared/limits.js";
import { ItemsService as ItemsApi } from "../shared/gen/statusthing/v1/services_pb.js";
import { NotesService as NotesApi } from "../shared/gen/statusthing/v1/notes_service_pb.js";
import { StatusService as StatusApi } from "../shared/gen/statusthing/v1/status_service_pb.js";
import { createRequestLog } from "./http/request-log.js";
import type { NodeRequest, NodeResponse } from "./node-request.js";
import type { Logger } from "./logger.js";
import { attachCallRecord, type CallRecord } from "./rpc/call-record.js";
import { CallValues } from "./rpc/call-values.js";
import { requestFacts, requestFactsKey } from "./auth/request-facts.js";
import { createErrorInterceptor } from "./rpc/error-interceptor.js";
import { createItemsRpc } from "./rpc/items-rpc.js";
import { createNotesRpc } from "./rpc/notes-rpc.js";
import { createStatusesRpc } from "./rpc/statuses-rpc.js";
import { createGroupsRpc } from "./rpc/groups-rpc.js";
import { GroupsService as GroupsApi } from "../shared/gen/statusthing/v1/groups_pb.js";
import type { ServiceDeps } from "./service/deps.js";
import { ItemsService } from "./service/items.js";
import { HistoryService } from "./service/history.js";
import { createHistoryRpc } from "./rpc/history-rpc.js";
import { HistoryService as HistoryApi } from "../shared/gen/statusthing/v1/history_pb.js";
import { IncidentsService as IncidentsApi } from "../shared/gen/statusthing/v1/incidents_service_pb.js";
import { IncidentsService } from "./service/incidents.js";
import { MaintenanceService } from "./service/maintenance.js";
import { MaintenanceScheduler } from "./service/maintenance-scheduler.js";
import { createIncidentsRpc } from "./rpc/incidents-rpc.js";
import { NotesService } from "./service/notes.js";
import { StatusesService } from "./service/statuses.js";
import { GroupsService } from "./service/groups.js";
import type { Store } from "./store/store.js";
import type { LogEntry } from "./store/change-codec.js";
import { AuthService as AuthApi, UsersService as UsersApi } from "../shared/gen/statusthing/v1/auth_pb.js";
import { AccessGuard } from "./auth/guard.js";
import { sessionCookie } from "./auth/session-cookie.js";
import { AllowedHosts } from "./auth/allowed-hosts.js";
import { createAuthInterceptor } from "./rpc/auth-interceptor.js";
import { createRevocationInterceptor } from "./rpc/revocation-interceptor.js";
import { createRpcAdapter, pathOf } from "./rpc/node-adapter.js";
import { ACCEPT_COMPRESSION, COMPRESS_MIN_BYTES } from "./rpc/compression.js";
import { createWatchItemsHandler, WATCH_ITEMS_PATH } from "./rpc/watch-items-handler.js";
import { ReadCache } from "./rpc/read-cache.js";
import { PUBLIC_READS } from "./auth/access-policy.js";
import { requireRules } from "./auth/require-rules.js";
import { setMaxListeners } from "node:events";
import { createAuthRpc } from "./rpc/auth-rpc.js";
import { createUsersRpc } from "./rpc/users-rpc.js";
import { AuthService, type AuthOptions } from "./service/auth.js";
import { UsersService } from "./service/users.js";
import { ChangeHub, type ChangeHubSettings } from "./live/change-hub.js";
import { createWsFeed } from "./live/ws-feed.js";
import { DEFAULT_MAX_WATCHERS_PER_CLIENT, WatcherQuota } from "./live/watcher-quota.js";
import { createWebHandler, type WebOptions } from "./http/web.js";
import { DocumentCache } from "./read/document-cache.js";
import { createNoScriptPages } from "./read/no-script-pages.js";
import { createReadEndpoints } from "./read/read-endpoints.js";
import { healthAnswer } from "./http/health.js";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Metrics } from "./ops/metrics.js";
import { AuditService as AuditApi } from "../shared/gen/statusthing/v1/audit_pb.js";
import { AuditService, DEFAULT_AUDIT_DAYS } from "./service/audit.js";
import { createAuditRpc } from "./rpc/audit-rpc.js";
import { createAuditInterceptor } from "./rpc/audit-interceptor.js";
import { WebhooksService as WebhooksApi } from "../shared/gen/statusthing/v1/webhooks_pb.js";
import { WebhooksService } from "./service/webhooks.js";
import { createWebhooksRpc } from "./rpc/webhooks-rpc.js";
import { DeliveryWorker, type DeliveryWorkerSettings } from "./webhooks/delivery-worker.js";
import { createWebhookSender } from "./webhooks/webhook-sender.js";
import { createOpsEndpoints } from "./ops/ops-endpoints.js";
import type { Lifecycle } from "./ops/readiness.js";
import { SettingsService as SettingsApi } from "../shared/gen/statusthing/v1/settings_service_pb.js";
import { SettingsService } from "./service/settings.js";
import { createSettingsRpc } from "./rpc/settings-rpc.js";
import { toPageSettingsMessage } from "./wire/settings-convert.js";
import { errorToJsonObject, toConnectError } from "./wire/client-error.js";
import { pathNotFound } from "./errors.js";
import { createBrandingEndpoint } from "./read/branding-endpoint.js";
import type { ShellSource } from "./http/page-head.js";
import { pageOrigin } from "./read/page-identity.js";
import { HooksService as HooksApi } from "../shared/gen/statusthing/v1/hooks_pb.js";
import { HooksService } from "./service/inlets/hooks.js";
import { HeartbeatsService } from "./service/inlets/heartbeats.js";
import { DEFAULT_HEARTBEAT_TICK_MS, HeartbeatScheduler } from "./service/inlets/heartbeat-scheduler.js";
import { createHooksRpc } from "./rpc/hooks-rpc.js";
import { createInletEndpoints } from "./inlets/inlet-endpoints.js";
import type { CallBudgetOptions } from "./inlets/call-budget.js";
import { SubscriptionsService as SubscriptionsApi } from "../shared/gen/statusthing/v1/subscriptions_pb.js";
import { SubscriptionsService } from "./service/subscriptions.js";
import { createSubscriptionsRpc } from "./rpc/subscriptions-rpc.js";
import { createOneClickUnsubscribe } from "./http/one-click-unsubscribe.js";
import { MailWorker, type MailWorkerSettings } from "./mail/mail-worker.js";
import { createSmtpSender, type SendMail } from "./mail/smtp-sender.js";
import { ClientThrottle, type ClientThrottleOptions } from "./mail/client-throttle.js";

/** What an app is built from. */
export interface AppOptions {
  store: Store;
  logger: Logger;
  /** Serve gRPC reflection (and, later, the web app through Vite). */
  devmode?: boolean;
  /** The clock; tests may pin it. */
  now?: () => Date;
  /** Live-update tuning (heartbeat interval, per-watcher limits, retention). */
  hub?: ChangeHubSettings;
  /** Reads need a login too (`--private`). */
  private?: boolean;
  /**
   * Believe X-Forwarded-For/-Proto/-Host from this many reverse proxies in front (`--trust-proxy`);
   * `true` means one.
   */
  trustProxy?: boolean | number;
  /**
   * Host names (besides IP literals and localhost) that logins and cookie-authenticated calls may
   * use: see `AllowedHosts`. `["*"]` allows any.
   */
  allowedHosts?: readonly string[];
  /** The URL people reach the page at (`--public-url`); public documents link there. Else the request's host. */
  publicUrl?: string;
  /** The initial admin's password on a store without users; without it, "password", to be changed. */
  adminPassword?: string;
  /** Session lifetime and login throttling. */
  auth?: Partial<AuthOptions>;
  /** The web app, served for GET and HEAD requests to any path that is not the API. */
  web?: WebOptions;
  /** Watch streams (WatchItems and `/ws` together) one client address may hold at once. */
  maxWatchersPerClient?: number;
  /** Lets clients other than loopback read `/metrics` with this Bearer token (`--metrics-token`). */
  metricsToken?: string;
  /** Days the audit log keeps each event (`--audit-days`, default 365). */
  auditDays?: number;
  /** The IANA time zone whose calendar days uptime counts in (`--time-zone`); default UTC. */
  timeZone?: string;
  /**
   * How often the maintenance scheduler looks for due transitions, in ms (default 1 s); 0 turns
   * the timer off (a test then drives it with `App.maintenance.tick()`). It also runs once at start.
   */
  maintenanceTickMs?: number;
  /** Hooks and heartbeats: how often overdue heartbeats are looked for (0: only by `inlets.tick()`), and call budgets. */
  inlets?: { tickMs?: number; hookBudget?: CallBudgetOptions; heartbeatBudget?: CallBudgetOptions };
  /** Webhooks may reach loopback, private and link-local addresses (`--allow-private-webhooks`). */
  allowPrivateWebhooks?: boolean;
  /** Webhook delivery tuning (retry delays, lease, polling): for tests; the defaults are the product's. */
  webhookDelivery?: DeliveryWorkerSettings;
  /**
   * Email subscriptions (`--smtp-url`, `--mail-from`): needs `publicUrl`, where every link in a
   * mail points. `send` replaces the SMTP client (tests of failures); without `mail` the page
   * offers no subscriptions.
   */
  mail?: { smtpUrl: string; from: string; send?: SendMail };
  /** Mail queue tuning (retry delays, lease, polling) and the per-client Subscribe throttle: for tests; the defaults are the product's. */
  mailDelivery?: MailWorkerSettings & { clientThrottle?: ClientThrottleOptions };
}

/** A built StatusThing: a request handler for HTTP/1.1 and HTTP/2, and how to stop it. */
export interface App {
  /** Handles one request; works as an `http` and an `http2` request listener. */
  handle(req: NodeRequest, res: NodeResponse): void;
  /** Handles an HTTP/1.1 upgrade (the `/ws` WebSocket feed). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The services the app serves, e.g. for reflection or auth checks. */
  readonly services: readonly DescService[];
  /** The live-update hub: revision and watchers, for health and metrics. */
  readonly hub: ChangeHub;
  /** The Prometheus metrics `/metrics` serves. */
  readonly metrics: Metrics;
  /** The maintenance scheduler: `tick()` applies the transitions due at the app's clock now. */
  readonly maintenance: MaintenanceScheduler;
  /** Heartbeats' scheduler, when the store has inlets: `tick()` turns overdue heartbeats late now (tests drive it with a set clock). */
  readonly inlets: { tick(): Promise<string[]> } | undefined;
  /** Tells open streams to end, so clients reconnect elsewhere; in-flight unary calls go on. */
  beginShutdown(): void;
  /** Finishes pending writes and releases the store. Call once no request is in flight. */
  close(): Promise<void>;
}

/** The statusthing.v1 services this app serves. */
export const API_SERVICES: readonly DescService[] = [
  ItemsApi,
  StatusApi,
  NotesApi,
  AuthApi,
  UsersApi,
  AuditApi,
  HistoryApi,
  IncidentsApi,
  GroupsApi,
  SettingsApi,
  HooksApi,
  WebhooksApi,
  SubscriptionsApi,
];

/**
 * Builds the app around a store: services, RPC routes, health check. It never listens by itself
 * (see `http/serve.ts`), so tests and embedders choose the port.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { store, logger } = options;
  // gRPC reflection (and its descriptors) only in devmode: not loaded otherwise.
  const reflection = options.devmode ? await import("./rpc/reflection-rpc.js") : undefined;
  requireRules([...API_SERVICES, ...(reflection?.REFLECTION_SERVICES ?? [])]);
  // The change log is history (the page at any past instant is replayed from it): kept forever
  // unless the caller sets a retention.
  const hub = new ChangeHub(store, logger, { retainChanges: Number.MAX_SAFE_INTEGER, ...options.hub });
  // Public reads that may be answered from memory while nothing has changed (history's answers
  // move with the clock too, so they are not among them).
  // Subscribe is a public call but no read: never cached.
  const cacheable = [...PUBLIC_READS].filter(
    (p) => !p.endsWith("/WatchItems") && !p.startsWith("statusthing.v1.HistoryService/") && !p.startsWith("statusthing.v1.SubscriptionsService/"),
  );
  const readCache = new ReadCache(new Set(cacheable.map((p) => `/${p}`)));
  // Statuspage JSON, feeds and badges, built once per data version.
  const documents = new DocumentCache();
  // After every commit: drop cached answers and wake the change feed. The store runs it after
  // each of its own commits (onCommit) and, when shared, when another replica commits.
  // Webhooks are delivered after commit, never inside a write: a commit only wakes the worker.
  const now = options.now ?? (() => new Date());
  const sendWebhook = createWebhookSender({
    allowPrivate: options.allowPrivateWebhooks ?? false,
    now,
    ...(options.webhookDelivery?.timeoutMs !== undefined && { timeoutMs: options.webhookDelivery.timeoutMs }),
  });
  const deliveries = store.outbox && new DeliveryWorker(store.outbox, sendWebhook, now, logger, options.webhookDelivery);
  // Email: with --smtp-url, on a store that keeps subscribers and an outbox. Links use --public-url only.
  if (options.mail && !options.publicUrl) throw new Error("email subscriptions need the public URL (--public-url): the links in mail point there");
  const mailStore = options.mail && store.outbox ? store.mail : undefined;
  if (options.mail && !mailStore) logger.warn("this store keeps no email subscriptions (or no outbox): --smtp-url is ignored");
  // The SMTP host only: the URL may hold a password.
  if (mailStore && options.mail) logger.info({ smtpHost: new URL(options.mail.smtpUrl).host }, "email subscriptions are on");
  const smtp = mailStore && options.mail && !options.mail.send ? await createSmtpSender(options.mail.smtpUrl, options.mail.from) : undefined;
  const sendMail = options.mail?.send ?? smtp?.send;
  const mailContext = async () => ({ publicUrl: options.publicUrl!, pageName: (await settings.current()).name });
  const mailWorker =
    mailStore && store.outbox && sendMail
      ? new MailWorker({ mail: mailStore, outbox: store.outbox, send: sendMail, now, log: logger, context: mailContext }, options.mailDelivery)
      : undefined;
  /** After a commit: this process's own hand over what they logged (`committed`); another's only ring. */
  const publish = (committed?: readonly LogEntry[]) => {
    settings.forget();
    readCache.bump();
    documents.bump();
    if (committed) hub.takeCommitted(committed);
    else void hub.poke();
    if (committed) deliveries?.committed(committed);
    else deliveries?.poke();
    if (committed) mailWorker?.committed(committed);
    else mailWorker?.poke();
  };
  const deps: ServiceDeps = { store, now: options.now ?? (() => new Date()) };
  const defaultTimeZone = options.timeZone ?? "UTC";
  const settings = new SettingsService({ ...deps, defaultTimeZone });
  hub.settingsMessage = (record) => toPageSettingsMessage(record, defaultTimeZone);
  const stopPublishing = store.onCommit(publish);
  const statuses = new StatusesService(deps);
  const items = new ItemsService(deps, statuses);
  const notes = new NotesService(deps);
  const groups = new GroupsService(deps);
  // The page's time zone setting, when set, overrides --time-zone for the uptime calendar.
  const history = new HistoryService({ store, now: deps.now, timeZone: defaultTimeZone, currentTimeZone: async () => (await settings.current()).timeZone });
  const incidents = new IncidentsService(deps);
  const maintenance = new MaintenanceService(deps);
  const maintenanceScheduler = new MaintenanceScheduler(maintenance, logger, options.maintenanceTickMs ?? 1_000);
  await statuses.seedDefaults();
  const auth = new AuthService({ store, now: deps.now, log: logger }, options.auth);
  const users = new UsersService({ store, now: deps.now });
  const webhooks = new WebhooksService({ store, now, allowPrivate: options.allowPrivateWebhooks ?? false, send: sendWebhook, onChanged: () => deliveries?.poke() });
  const subscriptions = new SubscriptionsService({
    store,
    now,
    mail: mailStore,
    context: mailContext,
    clientThrottle: new ClientThrottle(now, options.mailDelivery?.clientThrottle),
    onQueued: () => mailWorker?.poke(),
  });
  // The mail cursor starts at the newest event (no old event is mailed); without mail it is
  // dropped, so the outbox's pruning does not wait for a reader that is gone.
  await (mailStore ? mailStore.ensureCursor() : store.mail?.dropCursor())?.catch((err: unknown) => logger.warn({ err }, "setting up the mail cursor failed"));
  // Delivered events, old attempts and never-confirmed addresses go hourly; and whatever was pending before a restart is sent now.
  const outboxPruning = setInterval(() => {
    void webhooks.prune().catch((err: unknown) => logger.warn({ err }, "pruning the outbox failed"));
    void subscriptions.prune().catch((err: unknown) => logger.warn({ err }, "pruning unconfirmed subscribers failed"));
  }, 3_600_000).unref();
  deliveries?.poke();
  mailWorker?.poke();
  const audit = new AuditService({ audit: store.audit, now: deps.now, retentionDays: options.auditDays ?? DEFAULT_AUDIT_DAYS });
  // Old audit events go daily (and once now, in the background).
  const auditPruning = setInterval(() => void audit.prune().catch((err: unknown) => logger.warn({ err }, "pruning the audit log failed")), 86_400_000).unref();
  void audit.prune().catch((err: unknown) => logger.warn({ err }, "pruning the audit log failed"));
  await auth.ensureInitialAdmin(options.adminPassword);
  if (await auth.defaultPasswordInUse()) {
    logger.warn('the admin account still has the default password "password": sign in at /admin (admin / password) and choose a new one, or see README, Auth');
  }
  const trustProxy = options.trustProxy === true ? 1 : options.trustProxy || 0;
  const guard = new AccessGuard(auth, {
    private: options.private ?? false,
    trustProxy,
    allowedHosts: new AllowedHosts(options.allowedHosts ?? []),
  });
  const readEndpoints = createReadEndpoints({
    cache: documents,
    store,
    guard,
    private: options.private ?? false,
    trustProxy,
    publicUrl: options.publicUrl,
    now: deps.now,
    log: logger,
    settings: () => settings.current(),
  });
  const branding = createBrandingEndpoint({ image: (slot) => settings.image(slot), guard, private: options.private ?? false, log: logger });
  await hub.start();
  // Catches up at once on what came due while no server ran (then on its timer, unless a test drives it).
  if (options.maintenanceTickMs === 0) void maintenanceScheduler.tick();
  else maintenanceScheduler.start();
  // A store shared by several replicas rings when any of them commits (and once listening, so
  // nothing since the snapshot above is missed): read the log and drop cached answers, as after
  // a commit here.
  const unsubscribeChanges = store.subscribeChanges?.(() => publish());
  // Credentials deleted on another replica (or by the CLI) end their streams here at once too.
  const unsubscribeRevocations = store.subscribeRevocations?.(() => void hub.recheckAccess());
  const quota = new WatcherQuota(options.maxWatchersPerClient ?? DEFAULT_MAX_WATCHERS_PER_CLIENT);
  const wsFeed = createWsFeed(hub, logger, { guard, quota });
  // `/` and `/items/<id>` carry the current state as HTML too, for clients without JavaScript.
  const noScriptPages = createNoScriptPages({
    cache: documents,
    store,
    guard,
    private: options.private ?? false,
    timeZone: options.timeZone ?? "UTC",
    settings: () => settings.current(),
    now: deps.now,
    log: logger,
  });
  // The HTML shell names the page as its settings do (for link previews); with --private it names nothing.
  const shell: ShellSource = async (req) => {
    if (options.private) return undefined;
    const current = await settings.current();
    return current.updated === undefined ? undefined : { settings: current, origin: pageOrigin(requestFacts(req), trustProxy, options.publicUrl) };
  };
  const web =
    options.web && (await createWebHandler({ ...options.web, shell }, { heartbeatMs: hub.options.heartbeatMs, timeZone: options.timeZone ?? "UTC" }, logger, noScriptPages));

  let lifecycle: Lifecycle = "running";
  const metrics = new Metrics({
    hub,
    store,
    procedures: new Set(API_SERVICES.flatMap((service) => service.methods.map((method) => `/${service.typeName}/${method.name}`))),
  });
  // Inlets (hooks and heartbeats), when the store keeps them.
  const inletStore = store.inlets;
  const hooks = inletStore && new HooksService({ ...deps, inlets: inletStore, onLogError: (err) => logger.warn({ err }, "logging a hook call failed") });
  const heartbeats = inletStore && new HeartbeatsService({ ...deps, inlets: inletStore });
  const inletEndpoints =
    hooks &&
    heartbeats &&
    createInletEndpoints({ guard, hooks, heartbeats, log: logger, hookBudget: options.inlets?.hookBudget, heartbeatBudget: options.inlets?.heartbeatBudget });
  const heartbeatScheduler = heartbeats && new HeartbeatScheduler(heartbeats, logger);
  heartbeatScheduler?.start(options.inlets?.tickMs ?? DEFAULT_HEARTBEAT_TICK_MS);
  const oneClickUnsubscribe = createOneClickUnsubscribe({ subscriptions, log: logger });
  const opsEndpoints = createOpsEndpoints({ store, metrics, lifecycle: () => lifecycle, trustProxy, metricsToken: options.metricsToken });

  const shutdown = new AbortController();
  // Connect adds one abort listener per call in flight: many are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  // History's first answers need every transition folded and the change log replayed (seconds on
  // a big log): do it now in the background, so the first visitor to travel in time does not wait.
  void history.warm(shutdown.signal).catch((err: unknown) => {
    if (lifecycle === "running") logger.warn({ err }, "warming history failed; it is built on first use instead");
  });
  const itemsRpc = createItemsRpc(items, { hub, guard, quota });
  // The error interceptor is outermost, so the guard's refusals get their codes too.
  const interceptors = [createErrorInterceptor(logger), createAuthInterceptor(guard), createAuditInterceptor(), createRevocationInterceptor(() => void hub.recheckAccess())];
  const routes = (router: ConnectRouter) => {
    router.service(ItemsApi, itemsRpc);
    router.service(StatusApi, createStatusesRpc(statuses));
    router.service(NotesApi, createNotesRpc(notes));
    router.service(AuthApi, createAuthRpc(auth));
    router.service(UsersApi, createUsersRpc(users));
    router.service(AuditApi, createAuditRpc(audit));
    router.service(HistoryApi, createHistoryRpc(history));
    router.service(IncidentsApi, createIncidentsRpc(incidents, maintenance, options.timeZone ?? "UTC"));
    router.service(GroupsApi, createGroupsRpc(groups));
    router.service(SettingsApi, createSettingsRpc(settings));
    if (hooks && heartbeats) router.service(HooksApi, createHooksRpc(hooks, heartbeats));
    router.service(WebhooksApi, createWebhooksRpc(webhooks));
    router.service(SubscriptionsApi, createSubscriptionsRpc(subscriptions));
    reflection?.registerReflection(router, API_SERVICES);
  };
  const rpcHandler = createRpcAdapter({
    log: logger,
    cache: readCache,
    anonymousReads: !options.private,
    // Access decided first, then the same encoded answer for everyone allowed to read it; a
    // session extended by this check has its cookie re-sent, as the auth interceptor would.
    admit: async (procedure, req): Promise<Record<string, string>> => {
      const { principal, secure } = await guard.check(procedure, requestFacts(req));
      const renewed = principal?.renewed;
      return renewed ? { "set-cookie": sessionCookie(renewed.token, renewed.expiresAt, secure) } : {};
    },
    routes,
    readMaxBytes: REQUEST_BODY_MAX_BYTES,
    acceptCompression: ACCEPT_COMPRESSION,
    compressMinBytes: COMPRESS_MIN_BYTES,
    interceptors,
    // WatchItems: ItemsService's own implementation, behind the same interceptors; see items-rpc.ts.
    ownPaths: new Map([
      [
        WATCH_ITEMS_PATH,
        createWatchItemsHandler(itemsRpc.watchItems!, {
          interceptors,
          acceptCompression: ACCEPT_COMPRESSION,
          readMaxBytes: REQUEST_BODY_MAX_BYTES,
          shutdownSignal: shutdown.signal,
        }),
      ],
    ]),
    shutdownSignal: shutdown.signal,
    contextValues: (req, record) => attachCallRecord(new CallValues(), record).set(requestFactsKey, requestFacts(req)),
    fallback: (req, res) => {
      if (web && (req.method === "GET" || req.method === "HEAD")) web.handle(req, res);
      else sendJson(res, 404, errorToJsonObject(toConnectError(pathNotFound((req.url ?? "").split("?", 1)[0]!))));
    },
  });

  const logRequest = createRequestLog(logger, (path, code, seconds) => metrics.observeRequest(path, code, seconds));

  return {
    services: API_SERVICES,
    hub,
    metrics,
    maintenance: maintenanceScheduler,
    inlets: heartbeatScheduler && { tick: () => heartbeatScheduler.tick() },
    handle(req, res) {
      const record: CallRecord = {};
      logRequest(req, res, record);
      const path = pathOf(req.url);
      if (readEndpoints.handle(req, res, record, path)) return;
      if (branding(req, res, record, path)) return;
      if (opsEndpoints(req, res, record, path)) return;
      if (inletEndpoints?.(req, res, record, path)) return;
      if (oneClickUnsubscribe(req, res, record, path)) return;
      if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
        void healthAnswer(req, hub, guard, store.unavailableReason?.()).then(({ httpStatus, body }) => sendJson(res, httpStatus, body));
        return;
      }
      rpcHandler(req, res, record, path);
    },
    handleUpgrade(req, socket, head) {
      if (web?.handleUpgrade?.(req, socket, head)) return;
      wsFeed.handleUpgrade(req, socket, head);
    },
    beginShutdown() {
      lifecycle = "stopping";
      heartbeatScheduler?.stop();
      shutdown.abort();
      void maintenanceScheduler.stop();
      logger.info({ revision: hub.currentRevision, watchers: hub.watchersByProtocol() }, "ending watch streams");
      hub.close();
      wsFeed.close();
    },
    async close() {
      lifecycle = "stopping";
      shutdown.abort();
      await maintenanceScheduler.stop();
      stopPublishing();
      unsubscribeChanges?.();
      clearInterval(auditPruning);
      heartbeatScheduler?.stop();
      clearInterval(outboxPruning);
      await deliveries?.stop();
      await mailWorker?.stop();
      smtp?.close();
      unsubscribeRevocations?.();
      await web?.close();
      await store.close();
    },
  };
}

function sendJson(res: NodeResponse, status: number, body: unknown): void {
  const bytes = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(bytes), "cache-control": "no-store" });
  res.end(bytes);
}
