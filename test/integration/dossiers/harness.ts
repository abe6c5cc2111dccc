import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { silentLogger } from '../../../src/core/logger.js';
import { Router } from '../../../src/core/router.js';
import type { InboundMessage, SharedContact } from '../../../src/core/types.js';
import { communes } from '../../../src/db/schema/index.js';
import * as dossiers from '../../../src/features/dossiers/index.js';
import { createDispatcher, type AppContext } from '../../../src/pipeline/dispatcher.js';
import { createStaffAuth } from '../../../src/staff/auth.js';
import { createTestDatabase } from '../../helpers/db.js';

export const PHONE_KEY = 'test-phone-key-not-secret-0123456789';
export const INTEGRATION_KEY = 'test-integration-key-0123456789';
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

/** A fresh database with two communes (tenants), the dossier API on a free port, and a clock tests can move. */
export async function startHarness(opts: { now?: Date } = {}) {
  const database = await createTestDatabase();
  const [main] = await database.db
    .insert(communes)
    .values({
      slug: 'xa-thu',
      name: 'Xã Thử',
      province: 'Tỉnh Thử',
      address: 'Trung tâm Phục vụ hành chính công xã Thử',
      phone: '0237 000 000',
      hoursText: 'Thứ Hai – Thứ Sáu, 7:30–11:30 và 13:30–17:00',
      agencyCode: '000.33.12.H56',
    })
    .returning();
  const [other] = await database.db.insert(communes).values({ slug: 'xa-khac', name: 'Xã Khác' }).returning();
  const clock = { now: opts.now ?? new Date('2026-07-16T10:00:00+07:00') };
  const kicked: number[][] = [];
  const deps = { phoneKey: PHONE_KEY, now: () => clock.now };

  const auth = createStaffAuth({
    db: database.db,
    log: silentLogger,
    sessionPolicy: { idleMs: 3_600_000, absoluteMs: 3_600_000 },
    bootstrapKey: ADMIN_KEY,
    integrationKey: INTEGRATION_KEY,
    communeBySlug: async (slug) => [main, other].find((c) => c.slug === slug),
    defaultCommuneId: main.id,
  });
  const app = express();
  app.use(express.json());
  app.use(
    dossiers.createDossiersApi({
      ...deps,
      db: database.db,
      log: silentLogger,
      resolveCommuneId: async (req) => {
        const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
        if (!slug) return main.id;
        return [main, other].find((c) => c.slug === slug)?.id;
      },
      requireIntegration: auth.require('dossier-sync'),
      requireStaff: auth.require,
      onOutbox: (ids) => kicked.push(ids),
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const router = new Router<AppContext>();
  dossiers.register(router, { phoneKey: PHONE_KEY });
  router.fallback(() => ({ text: 'fallback' }));
  const directory = {
    get: async (id: number) => {
      const c = [main, other].find((x) => x.id === id);
      return (
        c && {
          id: c.id,
          slug: c.slug,
          name: c.name,
          province: c.province,
          address: c.address,
          phone: c.phone,
          hoursText: c.hoursText,
        }
      );
    },
  };
  const newDispatcher = () =>
    createDispatcher({ db: database.db, router, communes: directory, log: silentLogger, now: () => clock.now });
  let dispatcher = newDispatcher();
  let seq = 0;

  async function api(method: string, path: string, body?: unknown, key: string | null = INTEGRATION_KEY) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  /** One chat message through the real dispatcher; returns the replies. */
  async function say(
    from: { chatId: string; userId?: string; channel?: InboundMessage['channel'] },
    input: { text?: string; action?: string; contact?: SharedContact },
  ) {
    const r = await dispatcher.handle({
      channel: from.channel ?? 'telegram',
      communeId: main.id,
      chatId: from.chatId,
      userId: from.userId ?? from.chatId,
      externalId: `m-${++seq}`,
      ...input,
    });
    return r.replies;
  }

  return {
    database,
    db: database.db,
    communeId: main.id,
    otherCommuneId: other.id,
    clock,
    kicked,
    api,
    say,
    /** Simulate a process restart: a new dispatcher, same database. */
    restart() {
      dispatcher = newDispatcher();
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

export const CODE = '000.33.12.H56-260715-0007';

export function dossierBody(over: Record<string, unknown> = {}) {
  return {
    procedureCode: '1.001193',
    procedureName: 'Đăng ký khai sinh',
    status: 4,
    channel: 'truc_tiep',
    receivedAt: '2026-07-15T08:30:00+07:00',
    dueAt: '2026-07-20T17:00:00+07:00',
    applicantName: 'Nguyễn Văn Thử',
    applicantPhone: '0912345678',
    ...over,
  };
}
