import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import { createWebAdapter } from './channels/web/index.js';
import { createWebChatRoutes } from './channels/web/routes.js';
import type { WebChatSecurity } from './channels/web/session.js';
import { capabilitiesOf } from './channels/capabilities.js';
import { numberedChoices } from './channels/shared/numbered.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './core/logger.js';
import { createPeriodicJob } from './core/periodic.js';
import type { CommuneInfo } from './core/commune.js';
import type { ConsoleContribution } from './core/staff.js';
import { Router } from './core/router.js';
import type { ChannelAdapter, ChannelName } from './core/types.js';
import { createDatabase, type Database } from './db/client.js';
import { assistantModule, fallback as assistantFallback } from './features/assistant/index.js';
import { calendarModule } from './features/calendar/index.js';
import { civilRecordsModule, type CivilRecordsModuleDeps } from './features/civil-records/index.js';
import { dossiersModule, type DossiersModuleDeps } from './features/dossiers/index.js';
import { inquiriesModule, type InquiriesApiDeps } from './features/inquiries/index.js';
import { createNoticeSender, noticesModule, resolveNoticeFile, type NoticesModuleDeps } from './features/notices/index.js';
import { createRetentionJob } from './features/privacy/index.js';
import { createStaffPinger, staffPingsModule } from './features/staff-pings/index.js';
import { createReportPhotos, reportsModule, type PhotoDownloader, type ReportsModuleDeps } from './features/reports/index.js';
import {
  createProcedureReader,
  createProcedureSearchService,
  ensureCatalogLoaded,
  proceduresModule,
  type ProceduresModuleDeps,
} from './features/procedures/index.js';
import { createDispatcher, type AppContext } from './pipeline/dispatcher.js';
import {
  createDeliveryWorker,
  listPulledReplies,
  outboxModule,
  outboxPendingStats,
  type AdapterRegistry,
  type OutboxApiDeps,
} from './pipeline/outbox/index.js';
import { createProcessor } from './pipeline/processor.js';
import { createApp } from './server/app.js';
import { createMetricsHandler } from './server/metrics.js';
import { createStaffAuth } from './staff/auth.js';
import { createConsole } from './staff/console/shell.js';
import { createStaffPages } from './staff/console/pages.js';
import { createWebhookListener, type WebhookRoute } from './server/webhooks.js';
import { setupChannels } from './channels/setup.js';
import { createCommuneDirectory, ensureDefaultCommune } from './wiring/communes.js';
import { resolveDataSecret } from './wiring/data-secret.js';

export { createCommuneDirectory, ensureDefaultCommune } from './wiring/communes.js';

export { createLogger } from './core/logger.js';

/**
 * The modules of the application, in the order they claim a message. Button
 * actions, commands and flow steps go to whoever registered them, whatever
 * the order; phrases are tried down this list, so it decides who answers a
 * typed question:
 * 1. assistant: the menu, greetings, small talk and the office's contact details;
 * 2. inquiries: "gặp cán bộ", reachable from anywhere, even inside a flow, and
 *    a question's follow-ups (its HD- code, "bổ sung …"), global too;
 * 3. civil-records: "xin bản sao giấy khai sinh" and a request's code, before
 *    a procedure question about copies could take them;
 * 4. notices: subscribing, unsubscribing and recent notices;
 * 5. reports: "phản ánh", "báo hỏng đèn đường" and a report's PA- code (a
 *    procedure or permit question is left to procedures);
 * 6. dossiers: receipt codes and lookup phrases, before they can be taken for
 *    a procedure question;
 * 7. staff-pings: a staff member's "/lienket <code>" (their own chat, told when questions wait);
 * 8. calendar: no chat handlers, the public calendar API and its console page;
 * 9. procedures: free-text procedure search, the catch-all, so last;
 * 10. outbox: no chat handlers, only the staff view of undelivered replies.
 * What no module claims gets the assistant's fallback. HTTP routes are
 * mounted in the same order. A new feature is one folder and one line here.
 */
export const MODULES = [
  assistantModule,
  inquiriesModule,
  civilRecordsModule,
  noticesModule,
  reportsModule,
  dossiersModule,
  staffPingsModule,
  calendarModule,
  proceduresModule,
  outboxModule,
] as const;

/** What the modules need from the application: one object, checked against each module's own needs. */
export interface ModuleDeps
  extends
    InquiriesApiDeps,
    CivilRecordsModuleDeps,
    NoticesModuleDeps,
    ReportsModuleDeps,
    DossiersModuleDeps,
    ProceduresModuleDeps,
    OutboxApiDeps {}

/** The chat router with every module's handlers, in {@link MODULES} order, and the assistant's fallback. */
export function buildRouter(deps: ModuleDeps): Router<AppContext> {
  const router = new Router<AppContext>();
  for (const module of MODULES) module.register?.(router, deps);
  router.fallback(assistantFallback);
  return router;
}

/** Every module's staff console pages, in {@link MODULES} order (the menu sorts itself by each entry's `order`). */
export function buildConsole(deps: ModuleDeps): ConsoleContribution[] {
  return MODULES.flatMap((module) => (module.console ? [module.console(deps)] : []));
}

/** Every module's HTTP routers, in {@link MODULES} order. */
export function buildRoutes(deps: ModuleDeps): express.Router[] {
  return MODULES.flatMap((module) => module.routes?.(deps) ?? []);
}

export interface Runtime {
  config: Config;
  database: Database;
  log: Logger;
  defaultCommune: CommuneInfo;
  dispatcher: ReturnType<typeof createDispatcher>;
  delivery: ReturnType<typeof createDeliveryWorker>;
  app: express.Express;
  /** Start background workers (delivery, recovery). */
  start(): Promise<void>;
  listen(port: number, host?: string): Promise<Server>;
  /** Graceful stop: stop accepting, finish in-flight work, close the database. */
  stop(): Promise<void>;
}

/** An adapter whose platform client can fetch a file a user sent (Telegram, Zalo OA). */
type MediaClientOf = {
  client?: { downloadMedia?: (ref: { fileId?: string; url?: string }, maxBytes: number) => Promise<Buffer> };
};

export interface RuntimeOptions {
  /** Use this database instead of creating one from config (tests). */
  database?: Database;
  log?: Logger;
  /** Extra adapters keyed `${communeId}:${channel}` (tests, fakes). */
  adapters?: Map<string, ChannelAdapter>;
}

/** The composition root: config -> database -> features -> channels -> HTTP. */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const database =
    opts.database ??
    (await createDatabase({
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolMax: config.DATABASE_POOL_MAX,
      prepare: config.DATABASE_PREPARE,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    }));
  await database.migrate();
  const defaultCommune = await ensureDefaultCommune(database, config);
  const directory = createCommuneDirectory(database);
  if (config.SEED_CATALOG) {
    const { loaded, updated, catalogDate } = await ensureCatalogLoaded(database.db);
    if (loaded) log.info({ loaded, catalogDate }, 'national procedure catalog loaded from the shipped snapshot');
    if (updated) log.info({ updated, catalogDate }, 'national procedure catalog updated from a newer shipped snapshot');
  }
  const search = createProcedureSearchService({ db: database.db, log });
  await search.init((await directory.all()).map((c) => c.id));
  const dataSecret = await resolveDataSecret(database, config);
  const procedures = createProcedureReader();
  // Where residents and staff reach this server: links in chat messages, posters and staff pings.
  const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');

  const adapters = new Map<string, ChannelAdapter>();
  // The web chat serves every commune with one adapter.
  // Its session check needs the key `setupChannels` resolves below.
  const webChat: { security?: WebChatSecurity } = {};
  const web = createWebAdapter(() => webChat.security);
  const everyCommune = new Map<string, ChannelAdapter>([[web.channel, web]]);
  const registry: AdapterRegistry = {
    get: (communeId: number, channel: ChannelName) => adapters.get(`${communeId}:${channel}`) ?? everyCommune.get(channel),
  };
  const leaseMs = Math.max(60_000, config.PLATFORM_TIMEOUT_MS * 6);
  const delivery = createDeliveryWorker({
    db: database.db,
    adapters: registry,
    log,
    pollMs: config.DELIVERY_POLL_MS,
    concurrency: config.DELIVERY_CONCURRENCY,
    // Where the platform caps a bot's rate (channels/capabilities.ts), broadcasts go at the configured pace.
    broadcastPerSecond: (_communeId, channel) =>
      capabilitiesOf(channel).pacedBroadcasts ? config.BROADCAST_PER_SECOND : undefined,
    // A claim must outlive a slow send of several parts (each up to the platform timeout).
    leaseMs,
    // Files queued by reference: a notice's attachment, kept once rather than in every recipient's row.
    resolveFile: resolveNoticeFile(database.db),
  });
  const sessionPolicy = {
    idleMs: config.STAFF_SESSION_IDLE_MINUTES * 60_000,
    absoluteMs: config.STAFF_SESSION_MAX_HOURS * 3_600_000,
  };
  const staffAuth = createStaffAuth({
    db: database.db,
    log,
    sessionPolicy,
    bootstrapKey: config.ADMIN_API_KEY,
    integrationKey: config.INTEGRATION_API_KEY,
    communeBySlug: (slug) => directory.bySlug(slug),
    defaultCommuneId: defaultCommune.id,
  });
  const noticeSender = createNoticeSender({
    db: database.db,
    log,
    replyWindowMs: (channel) => capabilitiesOf(channel).replyWindowMs,
    capabilitiesOf,
  });
  // Staff who linked their own chat are told when questions wait (features/staff-pings).
  const staffPinger = createStaffPinger({
    db: database.db,
    log,
    consoleUrl: publicUrl,
    deliver: (ids) => delivery.kick(ids),
  });
  // What residents told the bot is kept only as long as the policy says (features/privacy/policy.ts).
  const retention = createRetentionJob({
    db: database.db,
    log,
    policy: {
      messageDays: config.RETENTION_MESSAGE_DAYS,
      conversationStateDays: config.RETENTION_STATE_DAYS,
      closedCaseDays: config.RETENTION_CASE_DAYS,
      verificationAttemptDays: config.RETENTION_ATTEMPT_DAYS,
      civilRecordRequestDays: config.CIVIL_RECORD_RETENTION_DAYS,
    },
  });
  // Files residents sent (report photos, a copy request's evidence): fetched through the sending account's client.
  const downloadMedia: PhotoDownloader = async (ref, maxBytes) => {
    const adapter = registry.get(ref.communeId, ref.channel as ChannelName) as MediaClientOf | undefined;
    if (!adapter?.client?.downloadMedia)
      throw Object.assign(new Error('no media download'), { retryable: false, code: 'channel_off' });
    return adapter.client.downloadMedia(ref, maxBytes);
  };
  const reportPhotos = createReportPhotos({
    db: database.db,
    log,
    dir: config.REPORT_PHOTOS_DIR ?? join(config.DATA_DIR, 'report-photos'),
    maxBytes: config.REPORT_PHOTO_MAX_BYTES,
    retentionDays: config.REPORT_PHOTO_RETENTION_DAYS,
    pollMs: config.REPORT_PHOTO_POLL_MS,
    download: downloadMedia,
  });
  const moduleDeps: ModuleDeps = {
    db: database.db,
    log,
    dataSecret,
    search,
    procedures,
    procedureName: async (code, o) => (await procedures.get(o.db, o.communeId, code))?.name,
    communeOfRequest: staffAuth.communeOfRequest,
    requireStaff: staffAuth.require,
    requireIntegration: staffAuth.require('dossier-sync'),
    deliver: (ids) => delivery.kick(ids),
    noticeSender,
    replyWindowMs: (channel: string) => capabilitiesOf(channel).replyWindowMs,
    reportPhotos,
    downloadMedia,
    evidenceStore: reportPhotos.store,
    publicUrl,
    capabilitiesOf,
    posterLinks: async (communeId) => {
      const c = await directory.get(communeId);
      return {
        publicUrl,
        telegramBot: config.TELEGRAM_BOT_USERNAME,
        zaloOaId: config.ZALO_OA_ID,
        communeSlug: c && c.id !== defaultCommune.id ? c.slug : undefined,
      };
    },
  };
  const router = buildRouter(moduleDeps);
  const dispatcher = createDispatcher({
    db: database.db,
    router,
    communes: directory,
    log,
    onOutbox: (ids) => delivery.kick(ids),
    onLeased: (rows) => delivery.deliverLeased(rows),
    leaseMs,
    // Where buttons are shown as a numbered list, a typed "2" means the second button.
    numberedActions: (channel, replies) =>
      capabilitiesOf(channel).buttons === 'numbered' ? numberedChoices(replies.at(-1)?.buttons) : undefined,
  });

  // PGlite has one connection: one batch at a time; on PostgreSQL two overlap their round trips.
  const processor = createProcessor({
    processBatch: (items) => dispatcher.processBatch(items),
    log,
    maxConcurrent: database.engine === 'pglite' ? 1 : 2,
  });
  const channels = await setupChannels({
    config,
    database,
    defaultCommuneId: defaultCommune.id,
    communes: directory,
    dispatcher,
    process: (conversationId, communeId) => processor.enqueue(conversationId, communeId),
    log,
  });
  for (const [key, adapter] of channels.adapters) adapters.set(key, adapter);
  webChat.security = channels.webChat;
  for (const [key, adapter] of opts.adapters ?? []) adapters.set(key, adapter);
  const webhooks: WebhookRoute[] = channels.webhooks;
  const app = createApp({
    log,
    ready: () => database.ping(),
    channelRouters: [
      createWebChatRoutes({
        resolveCommune: async (slug) => (slug ? directory.bySlug(slug) : defaultCommune),
        handleChat: (msg) => dispatcher.handle(msg),
        chatUpdates: (communeId, sessionId, afterId) =>
          listPulledReplies(database.db, { communeId, channel: web.channel, chatId: sessionId, afterId }),
        limits: { perSession: config.WEB_CHAT_MESSAGES_PER_MINUTE, perIp: config.WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP },
        security: channels.webChat,
        photos: {
          storePhoto: (bytes) => reportPhotos.store.store(bytes, 'web') as Promise<{ file: string; size?: number }>,
          maxBytes: config.REPORT_PHOTO_MAX_BYTES,
          perSessionPerHour: config.WEB_CHAT_PHOTOS_PER_HOUR,
          perIpPerHour: config.WEB_CHAT_PHOTOS_PER_HOUR_PER_IP,
        },
      }),
    ],
    routers: [
      createConsole({
        db: database.db,
        log,
        auth: staffAuth,
        sessionPolicy,
        secret: dataSecret,
        communeName: async (id) => (await directory.get(id))?.name,
        contributions: [...buildConsole(moduleDeps), createStaffPages({ db: database.db })],
        loginAttemptsPerWindow: config.STAFF_LOGIN_ATTEMPTS_PER_15_MIN,
      }),
      ...buildRoutes(moduleDeps),
    ],
    trustProxy: config.TRUST_PROXY,
    metrics: config.METRICS_TOKEN
      ? createMetricsHandler({
          token: config.METRICS_TOKEN,
          outboxStats: () => outboxPendingStats(database.db),
          // The `commune` label is kept as the id on the hot path and named by slug at scrape time.
          communes: async () => (await directory.all()).map((c) => ({ id: c.id, slug: c.slug })),
          log,
        })
      : undefined,
  });

  // Messages recorded but not processed before a crash: at start everything left unprocessed, then every 30 s
  // what has waited 30 s, so messages on their way through a batch right now are not processed twice over.
  let startedRecovery = false;
  const recovery = createPeriodicJob({
    name: 'recovery',
    intervalMs: 30_000,
    log,
    run: () => {
      const olderThanMs = startedRecovery ? 30_000 : 0;
      startedRecovery = true;
      return dispatcher.recoverPending({
        olderThanMs,
        schedule: (item) => processor.enqueue(item.conversationId, item.communeId),
      });
    },
  });

  let server: Server | undefined;
  const runtime: Runtime = {
    config,
    database,
    log,
    defaultCommune,
    dispatcher,
    delivery,
    app,
    async start() {
      if (database.engine === 'pglite') {
        const released = await delivery.releaseOrphanedLeases();
        if (released) log.info({ released }, 'replies left leased by the last run are sent now');
      }
      delivery.start();
      await channels.start();
      await recovery.runNow();
      recovery.start();
      noticeSender.start();
      reportPhotos.start();
      retention.start();
      staffPinger.start();
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        // Platform webhooks are served before the Express app (see server/webhooks.ts).
        const s = createServer(createWebhookListener({ log, webhooks }, app));
        s.once('error', reject);
        s.listen(port, host ?? config.HOST, () => {
          s.off('error', reject);
          resolve(s);
        });
        server = s;
      });
    },
    async stop() {
      await recovery.stop();
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        await closed;
      }
      await channels.stop();
      await processor.stop();
      await noticeSender.stop();
      await reportPhotos.stop();
      await retention.stop();
      await staffPinger.stop();
      await delivery.stop();
      // A database handed in by the caller (tests, benchmarks) is the caller's to close.
      if (!opts.database) await database.close();
    },
  };
  return runtime;
}
