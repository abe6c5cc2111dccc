import { createHash } from 'node:crypto';
import { hostileForm, hostileJson, hostileString, hostileUrlPart, type Category, type Rng } from './payloads.js';

/** What the targets need from the running server: secrets of its (fake) platforms, a staff session, known ids. */
export interface FuzzContext {
  webSession: string;
  telegramSecret: string;
  zalo: { appId: string; oaId: string; secret: string };
  zalobotSecret: string;
  staff: { cookie: string; csrf: string };
  adminKey: string;
  procedureCode: string;
  localSlug: string;
  inquiryCode: string;
  reportId: number;
  noticeId: number;
  /** Console forms found by crawling the console as a signed-in admin (logout left out). */
  forms: { action: string; fields: string[] }[];
}

export interface FuzzRequest {
  target: string;
  category: Category;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/**
 * One endpoint: `rejected` targets are requests the server must refuse (no signature, forged session, no
 * staff credentials or CSRF token), so they must all get a 4xx and write nothing.
 */
export interface FuzzTarget {
  name: string;
  rejected: boolean;
  build: (rng: Rng, category: Category, ctx: FuzzContext) => Omit<FuzzRequest, 'target' | 'category'>;
}

/** Categories whose hostility is in a string value (rather than in the JSON's shape or bytes). */
const STRING_KINDS = new Set<Category>([
  'sql-injection',
  'html-injection',
  'path-traversal',
  'lone-surrogate',
  'nul-and-control',
  'huge-id',
]);

const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

/** Each request comes from its own address (X-Forwarded-For is trusted from loopback), so the per-address limits do not hide the handlers. */
export function clientAddress(rng: Rng): string {
  return `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

function telegramUpdate(rng: Rng) {
  const id = rng.int(1, 2_000_000_000);
  return {
    update_id: id,
    message: {
      message_id: rng.int(1, 1_000_000),
      from: { id: 900000000 + rng.int(0, 999), is_bot: false, first_name: 'Thử' },
      chat: { id: 900000000 + rng.int(0, 999), type: 'private' },
      date: Math.floor(Date.now() / 1000),
      text: 'Cho hỏi thủ tục đăng ký khai sinh',
    },
  };
}

function zaloEvent(rng: Rng, oaId: string, appId: string) {
  return {
    event_name: rng.pick(['user_send_text', 'user_send_text', 'user_send_image', 'follow', 'user_submit_info']),
    app_id: appId,
    sender: { id: `61424948000000${rng.int(10000, 99999)}` },
    recipient: { id: oaId },
    follower: { id: `61424948000000${rng.int(10000, 99999)}` },
    info: { phone: '0900000123', name: 'Nguyễn Văn Thử' },
    message: {
      text: 'Cho hỏi thủ tục đăng ký khai sinh',
      msg_id: `fz${rng.int(0, 1e9).toString(16)}${rng.int(0, 1e9).toString(16)}`,
      attachments: [{ type: 'image', payload: { url: 'https://example.invalid/a.jpg', name: 'anh.jpg', size: '12' } }],
    },
    timestamp: String(Date.now()),
  };
}

function zalobotUpdate(rng: Rng) {
  const user = `1459232241${rng.int(100000000, 999999999)}`;
  return {
    ok: true,
    result: {
      event_name: 'message.text.received',
      message: {
        from: { id: user, display_name: 'Thử', is_bot: false },
        chat: { id: user, chat_type: 'PRIVATE' },
        text: 'Cho hỏi thủ tục đăng ký khai sinh',
        message_id: `fz${rng.int(0, 1e12)}`,
        date: Date.now(),
      },
    },
  };
}

/** The documented Zalo signature over the bytes actually sent (the timestamp read from the template). */
function zaloSignature(raw: Buffer, appId: string, ts: string, secret: string): string {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(appId), raw, Buffer.from(ts + secret)]))
    .digest('hex');
}

const staffHeaders = (ctx: FuzzContext, extra: Record<string, string> = JSON_HEADERS) => ({
  ...extra,
  cookie: ctx.staff.cookie,
  'x-csrf-token': ctx.staff.csrf,
});

function localProcedure(ctx: FuzzContext) {
  return {
    slug: ctx.localSlug,
    name: 'Hỗ trợ thử nghiệm của xã',
    field: 'Chính sách',
    agency: 'UBND xã',
    steps: ['Nộp hồ sơ tại bộ phận một cửa', 'Nhận kết quả'],
    documentGroups: [{ title: 'Giấy tờ', documents: [{ name: 'Đơn đề nghị', quantity: '1' }] }],
    channels: [{ channel: 'truc_tiep', timeText: '5 ngày làm việc', feeText: '8.000 đồng' }],
    legalBasis: [{ title: 'Quyết định thử nghiệm', code: '01/QĐ-UBND' }],
  };
}

/** Public endpoints with hostile input: valid web session, signed webhooks, search, pages. */
export const ACCEPTED_TARGETS: FuzzTarget[] = [
  {
    name: 'web chat message',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'POST',
      path: '/api/v1/chat',
      headers: JSON_HEADERS,
      body:
        rng.chance(0.6) && STRING_KINDS.has(c)
          ? Buffer.from(JSON.stringify({ sessionId: ctx.webSession, text: hostileString(rng, c) }))
          : hostileJson(
              rng,
              c,
              rng.chance(0.8)
                ? { sessionId: ctx.webSession, text: 'Cho hỏi thủ tục khai sinh' }
                : { sessionId: ctx.webSession, action: 'proc:detail:1.001193' },
            ),
    }),
  },
  {
    name: 'web chat updates',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'GET',
      path: `/api/v1/chat/updates?sessionId=${encodeURIComponent(ctx.webSession)}&after=${hostileUrlPart(rng, c)}`,
      headers: {},
    }),
  },
  {
    name: 'web chat new session',
    rejected: false,
    build: (rng, c) => ({
      method: 'POST',
      path: '/api/v1/chat/session',
      headers: JSON_HEADERS,
      body: hostileJson(rng, c, { a: 1 }),
    }),
  },
  {
    name: 'procedure search',
    rejected: false,
    build: (rng, c) => ({
      method: 'GET',
      path: `/api/v1/procedures/search?q=${hostileUrlPart(rng, c)}&limit=${rng.pick(['5', '-1', '1e9', 'abc', '9007199254740993'])}`,
      headers: {},
    }),
  },
  {
    name: 'procedure page',
    rejected: false,
    build: (rng, c) => ({ method: 'GET', path: `/api/v1/procedures/${hostileUrlPart(rng, c)}`, headers: {} }),
  },
  {
    name: 'poster',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'GET',
      path: rng.chance(0.3)
        ? `/posters/${ctx.procedureCode}?commune=${hostileUrlPart(rng, c)}`
        : `/posters/${hostileUrlPart(rng, c)}`,
      headers: {},
    }),
  },
  {
    name: 'calendar API',
    rejected: false,
    build: (rng, c) => ({
      method: 'GET',
      path: rng.chance(0.5)
        ? `/api/v1/calendar?year=${hostileUrlPart(rng, c)}`
        : `/api/v1/calendar/next-open?at=${hostileUrlPart(rng, c)}`,
      headers: {},
    }),
  },
  {
    name: 'verify and download pages',
    rejected: false,
    build: (rng, c) => ({
      method: 'GET',
      path: `${rng.pick(['/verify/', '/civil-records/download/'])}${hostileUrlPart(rng, c)}`,
      headers: {},
    }),
  },
  {
    name: 'chat page',
    rejected: false,
    build: (rng, c) => ({ method: 'GET', path: `/?commune=${hostileUrlPart(rng, c)}&p=${hostileUrlPart(rng, c)}`, headers: {} }),
  },
  {
    name: 'console login',
    rejected: false,
    build: (rng, c) => ({
      method: 'POST',
      path: '/console/login',
      headers: { ...FORM_HEADERS, origin: 'http://127.0.0.1' },
      body: hostileForm(rng, c, ['username', 'password', 'next'], {}),
    }),
  },
  {
    name: 'Telegram webhook, signed',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'POST',
      path: '/webhooks/telegram',
      headers: { ...JSON_HEADERS, 'x-telegram-bot-api-secret-token': ctx.telegramSecret },
      body: hostileJson(rng, c, telegramUpdate(rng), 1024 * 1024),
    }),
  },
  {
    name: 'Zalo OA webhook, signed',
    rejected: false,
    build: (rng, c, ctx) => {
      const event = zaloEvent(rng, ctx.zalo.oaId, ctx.zalo.appId);
      const body = hostileJson(rng, c, event, 1024 * 1024);
      return {
        method: 'POST',
        path: '/webhooks/zalo',
        headers: { ...JSON_HEADERS, 'x-zevent-signature': zaloSignature(body, ctx.zalo.appId, event.timestamp, ctx.zalo.secret) },
        body,
      };
    },
  },
  {
    name: 'Zalo Bot webhook, signed',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'POST',
      path: '/webhooks/zalobot',
      headers: { ...JSON_HEADERS, 'x-bot-api-secret-token': ctx.zalobotSecret },
      body: hostileJson(rng, c, zalobotUpdate(rng), 1024 * 1024),
    }),
  },
  {
    name: 'staff API: procedure override',
    rejected: false,
    build: (rng, c, ctx) => ({
      method: 'PUT',
      path: `/api/v1/procedures/${rng.chance(0.8) ? ctx.procedureCode : hostileUrlPart(rng, c)}/override`,
      headers: staffHeaders(ctx),
      body: hostileJson(rng, c, {
        fee: '8.000 đồng',
        receptionAddress: 'UBND xã',
        note: 'Thử',
        onlineUrl: 'https://example.invalid',
      }),
    }),
  },
  {
    name: 'staff API: local procedure',
    rejected: false,
    build: (rng, c, ctx) => {
      const put = rng.chance(0.5);
      return {
        method: put ? 'PUT' : 'POST',
        path: put
          ? `/api/v1/procedures/local/${rng.chance(0.7) ? ctx.localSlug : hostileUrlPart(rng, c)}`
          : '/api/v1/procedures/local',
        headers: staffHeaders(ctx),
        body: hostileJson(rng, c, localProcedure(ctx), 256 * 1024),
      };
    },
  },
  {
    name: 'staff API: overrides import',
    rejected: false,
    build: (rng, c, ctx) => {
      if (rng.chance(0.5))
        return {
          method: 'POST',
          path: '/api/v1/procedures/overrides/import',
          headers: staffHeaders(ctx),
          body: hostileJson(rng, c, [{ code: ctx.procedureCode, fee: '8.000 đồng' }], 2 * 1024 * 1024),
        };
      const header = rng.chance(0.4) ? hostileString(rng, 'prototype-keys') : 'code';
      const cell = hostileString(rng, c)
        .replace(/[\r\n]/g, ' ')
        .slice(0, 5000);
      return {
        method: 'POST',
        path: '/api/v1/procedures/overrides/import',
        headers: staffHeaders(ctx, { 'content-type': 'text/csv' }),
        body: Buffer.from(
          `${header},fee,note\n${ctx.procedureCode},"${cell.replace(/"/g, '""')}",${rng.pick(['=1+1', '@SUM(A1)', 'ok'])}\n`,
        ),
      };
    },
  },
  {
    name: 'staff API: inquiries',
    rejected: false,
    build: (rng, c, ctx) =>
      rng.chance(0.5)
        ? {
            method: 'GET',
            path: `/api/v1/inquiries?status=${hostileUrlPart(rng, c)}&limit=${hostileUrlPart(rng, c)}`,
            headers: staffHeaders(ctx, {}),
          }
        : {
            method: 'POST',
            path: `/api/v1/inquiries/${rng.chance(0.5) ? ctx.inquiryCode : hostileUrlPart(rng, c)}/answer`,
            headers: staffHeaders(ctx),
            body: hostileJson(rng, c, { answer: 'Anh/chị mang theo căn cước nhé.' }),
          },
  },
  {
    name: 'staff API: reports',
    rejected: false,
    build: (rng, c, ctx) => {
      const id = rng.chance(0.5) ? String(ctx.reportId) : hostileUrlPart(rng, c);
      return rng.pick([
        () => ({
          method: 'GET' as const,
          path: `/api/v1/reports?status=${hostileUrlPart(rng, c)}&page=${hostileUrlPart(rng, c)}`,
          headers: staffHeaders(ctx, {}),
        }),
        () => ({ method: 'GET' as const, path: `/api/v1/reports/${id}`, headers: staffHeaders(ctx, {}) }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/reports/${id}/status`,
          headers: staffHeaders(ctx),
          body: hostileJson(rng, c, { status: 'in_progress', note: 'Đã cử cán bộ xuống kiểm tra.' }),
        }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/reports/${id}/merge`,
          headers: staffHeaders(ctx),
          body: hostileJson(rng, c, { into: 'PA-ABCDE' }),
        }),
      ])();
    },
  },
  {
    name: 'staff API: civil-record requests',
    rejected: false,
    build: (rng, c, ctx) => {
      const id = hostileUrlPart(rng, c);
      return rng.pick([
        () => ({
          method: 'GET' as const,
          path: `/api/v1/civil-record-requests?status=${hostileUrlPart(rng, c)}`,
          headers: staffHeaders(ctx, {}),
        }),
        () => ({ method: 'GET' as const, path: `/api/v1/civil-record-requests/${id}`, headers: staffHeaders(ctx, {}) }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/civil-record-requests/${rng.pick([id, '1'])}/${rng.pick(['approve', 'reject', 'revoke', 'resend'])}`,
          headers: staffHeaders(ctx),
          body: hostileJson(rng, c, { recordId: 1, paid: true, reason: 'Không khớp sổ.' }),
        }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/civil-record-requests/${rng.pick([id, '1'])}/signed-copy`,
          headers: staffHeaders(ctx, { 'content-type': 'application/pdf' }),
          body: Buffer.from(`%PDF-1.4\n${hostileString(rng, c)}`),
        }),
      ])();
    },
  },
  {
    name: 'staff API: notices',
    rejected: false,
    build: (rng, c, ctx) =>
      rng.chance(0.6)
        ? {
            method: 'POST',
            path: '/api/v1/notices',
            headers: staffHeaders(ctx),
            body: hostileJson(rng, c, {
              title: 'Lịch cắt điện',
              text: 'Thông báo thử nghiệm.',
              hamlets: ['Ấp 1'],
              topics: [],
              link: 'https://example.invalid',
            }),
          }
        : {
            method: 'GET',
            path: `/api/v1/notices/${rng.chance(0.3) ? ctx.noticeId : hostileUrlPart(rng, c)}`,
            headers: staffHeaders(ctx, {}),
          },
  },
  {
    name: 'staff API: dossiers',
    rejected: false,
    build: (rng, c, ctx) =>
      rng.pick([
        () => ({ method: 'GET' as const, path: `/api/v1/dossiers/${hostileUrlPart(rng, c)}`, headers: staffHeaders(ctx, {}) }),
        () => ({
          method: 'GET' as const,
          path: `/api/v1/stats/dossiers?from=${hostileUrlPart(rng, c)}&to=${hostileUrlPart(rng, c)}`,
          headers: staffHeaders(ctx, {}),
        }),
        () => ({
          method: 'PUT' as const,
          path: `/api/v1/dossiers/${rng.pick(['HS-261206-0001', hostileUrlPart(rng, c)])}`,
          headers: { ...JSON_HEADERS, authorization: `Bearer ${ctx.adminKey}` },
          body: hostileJson(rng, c, {
            procedureCode: ctx.procedureCode,
            applicantName: 'Nguyễn Văn Thử',
            applicantPhone: '0900000123',
            receivedAt: '2026-12-01T08:00:00+07:00',
            dueAt: '2026-12-10T17:00:00+07:00',
            status: 'received',
          }),
        }),
      ])(),
  },
  {
    name: 'console forms',
    rejected: false,
    build: (rng, c, ctx) => {
      const form = rng.pick(ctx.forms);
      return {
        method: 'POST',
        path: form.action,
        headers: { ...FORM_HEADERS, cookie: ctx.staff.cookie, origin: 'http://127.0.0.1' },
        body: hostileForm(rng, c, form.fields, { _csrf: ctx.staff.csrf }),
      };
    },
  },
];

/** Requests the server must refuse before anything is recorded. */
export const REJECTED_TARGETS: FuzzTarget[] = [
  {
    name: 'web chat, forged session',
    rejected: true,
    build: (rng, c, ctx) => {
      const [id, ts] = ctx.webSession.split('.');
      const forged = rng.pick([`${id}.${ts}.${'A'.repeat(43)}`, hostileString(rng, c).slice(0, 200), `${id}..`, '']);
      return {
        method: 'POST',
        path: '/api/v1/chat',
        headers: JSON_HEADERS,
        body: hostileJson(rng, c, { sessionId: forged, text: 'xin chào' }),
      };
    },
  },
  {
    name: 'Telegram webhook, bad secret',
    rejected: true,
    build: (rng, c, ctx) => ({
      method: 'POST',
      path: '/webhooks/telegram',
      headers: { ...JSON_HEADERS, ...(rng.chance(0.7) ? { 'x-telegram-bot-api-secret-token': `${ctx.telegramSecret}x` } : {}) },
      body: hostileJson(rng, c, telegramUpdate(rng), 1024 * 1024),
    }),
  },
  {
    name: 'Zalo OA webhook, bad signature',
    rejected: true,
    build: (rng, c, ctx) => {
      const event = zaloEvent(rng, ctx.zalo.oaId, ctx.zalo.appId);
      const body = hostileJson(rng, c, event, 1024 * 1024);
      const sig = rng.pick([
        '',
        'mac=',
        '0'.repeat(64),
        zaloSignature(body, ctx.zalo.appId, event.timestamp, 'wrong-secret'),
        'zz',
      ]);
      return {
        method: 'POST',
        path: '/webhooks/zalo',
        headers: { ...JSON_HEADERS, ...(sig ? { 'x-zevent-signature': sig } : {}) },
        body,
      };
    },
  },
  {
    name: 'Zalo Bot webhook, bad secret',
    rejected: true,
    build: (rng, c, ctx) => ({
      method: 'POST',
      path: rng.pick(['/webhooks/zalobot', '/webhooks/zalobot/0000000000000000000']),
      headers: { ...JSON_HEADERS, ...(rng.chance(0.7) ? { 'x-bot-api-secret-token': ctx.zalobotSecret.slice(1) } : {}) },
      body: hostileJson(rng, c, zalobotUpdate(rng), 1024 * 1024),
    }),
  },
  {
    name: 'staff API without credentials or CSRF token',
    rejected: true,
    build: (rng, c, ctx) => {
      const headers: Record<string, string> = rng.chance(0.5)
        ? { ...JSON_HEADERS, cookie: ctx.staff.cookie, 'x-csrf-token': rng.pick(['', 'x', `${ctx.staff.csrf}0`]) }
        : {
            ...JSON_HEADERS,
            ...(rng.chance(0.5)
              ? { authorization: `Bearer ${hostileString(rng, 'sql-injection').replace(/[^\x20-\x7e]/g, '')}` }
              : {}),
          };
      if (headers['x-csrf-token'] === '') delete headers['x-csrf-token'];
      return rng.pick([
        () => ({
          method: 'PUT' as const,
          path: `/api/v1/procedures/${ctx.procedureCode}/override`,
          headers,
          body: hostileJson(rng, c, { fee: 'miễn phí' }),
        }),
        () => ({
          method: 'POST' as const,
          path: '/api/v1/procedures/local',
          headers,
          body: hostileJson(rng, c, localProcedure(ctx)),
        }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/inquiries/${ctx.inquiryCode}/answer`,
          headers,
          body: hostileJson(rng, c, { answer: 'Trả lời thử.' }),
        }),
        () => ({
          method: 'POST' as const,
          path: `/api/v1/reports/${ctx.reportId}/status`,
          headers,
          body: hostileJson(rng, c, { status: 'done', note: 'x' }),
        }),
        () => ({
          method: 'POST' as const,
          path: '/api/v1/notices',
          headers,
          body: hostileJson(rng, c, { title: 'Thông báo', text: 'x' }),
        }),
        () => ({
          method: 'PUT' as const,
          path: '/api/v1/dossiers/HS-261206-0009',
          headers,
          body: hostileJson(rng, c, { status: 'received' }),
        }),
      ])();
    },
  },
  {
    name: 'console forms without CSRF token',
    rejected: true,
    build: (rng, c, ctx) => {
      const form = rng.pick(ctx.forms);
      return {
        method: 'POST',
        path: form.action,
        headers: { ...FORM_HEADERS, cookie: ctx.staff.cookie, origin: 'http://127.0.0.1' },
        // A wrong token must stay wrong whatever the mutation cuts off: the real one with a character in front
        // (the real one with one appended, truncated by 'truncated-json', was the real token again).
        body: hostileForm(rng, c, form.fields, { _csrf: rng.pick(['', 'x', `0${ctx.staff.csrf}`]) }),
      };
    },
  },
];
