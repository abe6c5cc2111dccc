import { errInfo } from './core/log-error.js';
import { createServer, type Server } from 'node:http';
import { and, asc, desc, eq, gt, inArray } from 'drizzle-orm';
import pino from 'pino';
import { createWebAdapter, parseWebChat, renderWebReplies } from './channels/web/index.js';
import { renderChatPage } from './channels/web/page.js';
import type { Config } from './config.js';
import type { Logger } from './core/logger.js';
import { vi } from './core/messages.js';
import { Router, type CommuneInfo } from './core/router.js';
import type { ChannelAdapter, ChannelName, Reply } from './core/types.js';
import { createDatabase, type Database, type Db } from './db/client.js';
import { toCommuneInfo } from './db/communes.js';
import { communes, outboundMessages } from './db/schema/index.js';
import * as assistant from './features/assistant/index.js';
import * as inquiries from './features/inquiries/index.js';
import * as dossiers from './features/dossiers/index.js';
import * as procedureChat from './features/procedures/handlers.js';
import { resolveDataSecret } from './wiring/data-secret.js';
import { createProceduresApi } from './features/procedures/http.js';
import { createProcedureSearchService, createSearchApi, type ProcedureSearchService } from './features/procedures/search-service.js';
import { createProcedureReader, ensureCatalogLoaded, getProcedure, type ProcedureReader } from './features/procedures/service.js';
import { ValidationError } from './core/errors.js';
import { createDeliveryWorker, type AdapterRegistry } from './pipeline/delivery.js';
import { createDispatcher, type AppContext, type CommuneDirectory } from './pipeline/dispatcher.js';
import { createProcessor } from './pipeline/processor.js';
import { bearerAuth, createApp } from './server/app.js';
import { createWebhookListener, type WebhookRoute } from './server/webhooks.js';
import express from 'express';
import { numberedChoices } from './channels/shared/numbered.js';
import { setupChannels } from './wiring/channels.js';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tro-ly-xa' },
    // Defence in depth: personal fields are never logged on purpose, but redact if one slips in.
    redact: { paths: ['text', 'phone', '*.phone', '*.text', 'applicantName', 'applicantPhone', 'contact'], censor: '[redacted]' },
  }) as unknown as Logger;
}

/** Create or update the configured commune (single-commune deployments configure it by environment). */
export async function ensureDefaultCommune(database: Database, cfg: Config): Promise<CommuneInfo> {
  const values = {
    slug: cfg.COMMUNE_SLUG,
    name: cfg.COMMUNE_NAME,
    province: cfg.COMMUNE_PROVINCE,
    address: cfg.COMMUNE_ADDRESS,
    phone: cfg.COMMUNE_PHONE,
    hoursText: cfg.COMMUNE_HOURS,
    agencyCode: cfg.COMMUNE_AGENCY_CODE ?? null,
  };
  const [row] = await database.db
    .insert(communes)
    .values(values)
    .onConflictDoUpdate({ target: communes.slug, set: values })
    .returning();
  return toCommuneInfo(row);
}


/** Communes cached in memory (they change rarely); refreshed on miss. */
export function createCommuneDirectory(database: Database): CommuneDirectory & {
  bySlug(slug: string): Promise<CommuneInfo | undefined>;
  all(): Promise<CommuneInfo[]>;
} {
  let cache = new Map<number, CommuneInfo>();
  // Misses share one reload: a flood of made-up ?commune= slugs costs one query at a time, not one each.
  let reloading: Promise<void> | undefined;
  function refresh(): Promise<void> {
    reloading ??= (async () => {
      const rows = await database.db.select().from(communes);
      cache = new Map(rows.map((r) => [r.id, toCommuneInfo(r)]));
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  }
  return {
    async get(id) {
      if (!cache.has(id)) await refresh();
      return cache.get(id);
    },
    async bySlug(slug) {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(slug)) return undefined; // not a slug: no reload for it
      let found = [...cache.values()].find((c) => c.slug === slug);
      if (!found) {
        await refresh();
        found = [...cache.values()].find((c) => c.slug === slug);
      }
      return found;
    },
    async all() {
      await refresh();
      return [...cache.values()];
    },
  };
}

/** Build the router with every feature. Order matters: see Router. */
export function buildRouter(deps: {
  search: ProcedureSearchService;
  dataSecret: string;
  /** Cached procedure reads (default: read the database every time). */
  procedures?: ProcedureReader;
}): Router<AppContext> {
  const read = deps.procedures ? deps.procedures.get : getProcedure;
  const router = new Router<AppContext>();
  assistant.register(router);
  inquiries.register(router);
  // Receipt codes and lookup phrases before free-text procedure search.
  dossiers.register(router, {
    phoneKey: deps.dataSecret,
    // A procedure's display name for dossier answers (national or the commune's local one).
    procedureName: async (code, opts) => (await read(opts.db, opts.communeId, code))?.name,
  });
  // Free-text procedure questions come last: they catch what nothing more specific took.
  procedureChat.register(router, {
    search: (communeId, q, limit) => deps.search.search(communeId, q, limit),
    getProcedure: read,
  });
  router.fallback((ctx) => {
    if (ctx.msg.event === 'follow') return assistant.mainMenu(ctx);
    if (ctx.msg.event === 'unfollow') return undefined;
    if (ctx.msg.action) return { text: vi.unknownAction, buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] };
    if (!ctx.text && ctx.msg.attachments?.length) return { text: vi.unsupportedMedia };
    if (!ctx.text) return assistant.mainMenu(ctx, vi.emptyMessage);
    return {
      text:
        'Xin lỗi, tôi chưa hiểu câu hỏi của anh/chị. Anh/chị có thể hỏi về thủ tục (ví dụ: "đăng ký kết hôn cần gì?"), ' +
        'gửi mã hồ sơ để tra cứu, hoặc nhắn "gặp cán bộ" để cán bộ xã trả lời.',
      buttons: [
        { label: 'Gặp cán bộ', action: 'staff:contact' },
        { label: 'Danh mục chính', action: 'menu:main' },
      ],
    };
  });
  return router;
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
    const { loaded } = await ensureCatalogLoaded(database.db);
    if (loaded) log.info({ loaded }, 'national procedure catalog loaded from the shipped snapshot');
  }
  const search = createProcedureSearchService({ db: database.db, log });
  await search.init((await directory.all()).map((c) => c.id));
  const dataSecret = await resolveDataSecret(database, config);
  const procedures = createProcedureReader();
  const router = buildRouter({ search, dataSecret, procedures });

  const adapters = new Map<string, ChannelAdapter>();
  const web = createWebAdapter();
  const registry: AdapterRegistry = {
    get: (communeId: number, channel: ChannelName) =>
      adapters.get(`${communeId}:${channel}`) ?? (channel === 'web' ? web : undefined),
  };
  const leaseMs = Math.max(60_000, config.PLATFORM_TIMEOUT_MS * 6);
  const delivery = createDeliveryWorker({
    db: database.db,
    adapters: registry,
    log,
    pollMs: config.DELIVERY_POLL_MS,
    concurrency: config.DELIVERY_CONCURRENCY,
    // A claim must outlive a slow send of several parts (each up to the platform timeout).
    leaseMs,
  });
  const dispatcher = createDispatcher({
    db: database.db,
    router,
    communes: directory,
    log,
    onOutbox: (ids) => delivery.kick(ids),
    onLeased: (rows) => delivery.deliverLeased(rows),
    leaseMs,
    // Zalo OA shows buttons as a numbered list too, Zalo Bot Platform only as one: a typed "2" means the second button.
    numberedActions: (channel, replies) =>
      channel === 'zalo' || channel === 'zalobot' ? numberedChoices(replies.at(-1)?.buttons) : undefined,
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
  for (const [key, adapter] of opts.adapters ?? []) adapters.set(key, adapter);
  const webhooks: WebhookRoute[] = channels.webhooks;
  const staffAuth = bearerAuth(config.ADMIN_API_KEY);
  /** The commune of an API request: `?commune=<slug>` on a shared platform, else the configured one. */
  const communeOfRequest = async (req: express.Request): Promise<number> => {
    const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
    if (!slug) return defaultCommune.id;
    const c = await directory.bySlug(slug);
    if (!c) throw new ValidationError('unknown commune', { commune: 'unknown commune' }, 404);
    return c.id;
  };
  const staffApi = express.Router();
  staffApi.get('/api/v1/inquiries', staffAuth, async (req, res) => {
    res.json({ inquiries: await inquiries.listOpenInquiries(database.db, await communeOfRequest(req)) });
  });
  staffApi.post('/api/v1/inquiries/:code/answer', staffAuth, async (req, res) => {
    const answer = typeof req.body?.answer === 'string' ? req.body.answer.trim() : '';
    if (!answer || answer.length > 4000) {
      res.status(422).json({ error: 'answer is required (1–4000 characters)', fieldErrors: { answer: 'required, at most 4000 characters' } });
      return;
    }
    const result = await inquiries.answerInquiry(database.db, {
      communeId: await communeOfRequest(req),
      code: String(req.params.code).toUpperCase(),
      answer,
      staff: 'admin',
    });
    if (!result) {
      res.status(404).json({ error: 'unknown inquiry code' });
      return;
    }
    if (result.alreadyAnswered) {
      res.status(409).json({ error: 'already answered' });
      return;
    }
    delivery.kick(result.outboxIds);
    res.json({ status: 'answered' });
  });
  // Replies that could not be delivered (Zalo 7-day window, blocked bot…): staff follow up by phone.
  staffApi.get('/api/v1/deliveries/undelivered', staffAuth, async (req, res) => {
    const communeId = await communeOfRequest(req);
    const rows = await database.db
      .select({
        id: outboundMessages.id,
        channel: outboundMessages.channel,
        chatId: outboundMessages.chatId,
        status: outboundMessages.status,
        lastError: outboundMessages.lastError,
        createdAt: outboundMessages.createdAt,
      })
      .from(outboundMessages)
      .where(and(eq(outboundMessages.communeId, communeId), inArray(outboundMessages.status, ['undeliverable', 'failed'])))
      .orderBy(desc(outboundMessages.id))
      .limit(200);
    res.json({ undelivered: rows });
  });
  // Staff edits to procedures (local procedures) refresh that commune's search index after the response.
  staffApi.use('/api/v1/procedures', (req, res, next) => {
    if (req.method !== 'GET') {
      res.on('finish', () => {
        if (res.statusCode < 300) {
          communeOfRequest(req)
            .then((id) => {
              procedures.invalidate(id);
              return search.refreshCommune(id);
            })
            .catch((error) => log.error({ err: errInfo(error) }, 'search refresh failed'));
        }
      });
    }
    next();
  });
  const dossiersApi = dossiers.createDossiersApi({
    db: database.db,
    log,
    phoneKey: dataSecret,
    resolveCommuneId: async (req) => {
      const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
      return slug ? (await directory.bySlug(slug))?.id : defaultCommune.id;
    },
    requireIntegration: bearerAuth(config.INTEGRATION_API_KEY, config.ADMIN_API_KEY),
    requireStaff: staffAuth,
    onOutbox: (ids) => delivery.kick(ids),
    procedureName: async (code, o) => (await procedures.get(o.db, o.communeId, code))?.name,
  });
  const searchApi = createSearchApi({ search, resolveCommuneId: communeOfRequest });
  const proceduresApi = createProceduresApi({
    db: database.db,
    requireStaff: staffAuth,
    resolveCommuneId: communeOfRequest,
    posterLinks: async (communeId) => {
      const c = await directory.get(communeId);
      return {
        publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
        telegramBot: config.TELEGRAM_BOT_USERNAME,
        zaloOaId: config.ZALO_OA_ID,
        communeSlug: c && c.id !== defaultCommune.id ? c.slug : undefined,
      };
    },
  });

  const app = createApp({
    log,
    ready: () => database.ping(),
    resolveCommune: async (slug) => (slug ? directory.bySlug(slug) : defaultCommune),
    handleChat: (msg) => dispatcher.handle(msg),
    chatUpdates: async (communeId, sessionId, afterId) => {
      const rows = await database.db
        .select({ id: outboundMessages.id, payload: outboundMessages.payload })
        .from(outboundMessages)
        .where(
          and(
            eq(outboundMessages.communeId, communeId),
            eq(outboundMessages.channel, 'web'),
            eq(outboundMessages.chatId, sessionId),
            gt(outboundMessages.id, afterId),
          ),
        )
        .orderBy(asc(outboundMessages.id))
        .limit(50);
      return rows.map((r) => ({ id: r.id, reply: r.payload as unknown as Reply }));
    },
    renderWeb: renderWebReplies,
    parseWeb: parseWebChat,
    chatPage: (c) => renderChatPage({ communeName: c.name, communeSlug: c.slug }),
    routers: [staffApi, dossiersApi, searchApi, proceduresApi],
    adminApiKey: config.ADMIN_API_KEY,
    integrationApiKey: config.INTEGRATION_API_KEY,
    webChatLimits: { perSession: config.WEB_CHAT_MESSAGES_PER_MINUTE, perIp: config.WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP },
    trustProxy: config.TRUST_PROXY,
  });

  let server: Server | undefined;
  let recoveryTimer: NodeJS.Timeout | undefined;
  const runtime: Runtime = {
    config,
    database,
    log,
    defaultCommune,
    dispatcher,
    delivery,
    app,
    async start() {
      delivery.start();
      await channels.start();
      // Messages recorded but not processed before a crash are processed now, then periodically.
      // At start everything left unprocessed is recovered; later only what has waited 30 s, so
      // messages on their way through a batch right now are not processed twice over.
      const recover = async (olderThanMs: number) => {
        try {
          await dispatcher.recoverPending({
            olderThanMs,
            schedule: (item) => processor.enqueue(item.conversationId, item.communeId),
          });
        } catch (error) {
          log.error({ err: errInfo(error) }, 'recovery failed');
        }
      };
      await recover(0);
      recoveryTimer = setInterval(() => void recover(30_000), 30_000);
      recoveryTimer.unref();
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
      if (recoveryTimer) clearInterval(recoveryTimer);
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        await closed;
      }
      await channels.stop();
      await processor.stop();
      await delivery.stop();
      // A database handed in by the caller (tests, benchmarks) is the caller's to close.
      if (!opts.database) await database.close();
    },
  };
  return runtime;
}
