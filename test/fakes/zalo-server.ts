import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, parseBody, readBody, sendJson, trackConnections, type MultipartFile } from './http-util.js';

/**
 * A fake Zalo OA Open API + OAuth server on 127.0.0.1 speaking the real wire
 * format: `{error, message, data}` envelopes with HTTP 200 (errors too), the
 * bare `access_token` header, a multipart upload, and single-use refresh
 * tokens at `/v4/oa/access_token`. Serves several OAs (one per commune).
 * Use `apiBase` as ZALO_API_BASE and `oauthBase` as ZALO_OAUTH_BASE.
 */

export interface FakeZaloOa {
  oaId: string;
  appId: string;
  appSecret: string;
  accessToken: string;
  refreshToken: string;
}

export interface RecordedZaloRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  bodyKind: 'json' | 'form' | 'multipart' | 'none' | 'invalid';
  body: Record<string, any>;
  files: Record<string, MultipartFile>;
  /** The OA the access token belonged to, if valid. */
  oaId?: string;
  status: number;
  response: unknown;
  at: number;
}

export interface SentZaloMessage {
  oaId: string;
  userId: string;
  messageId: string;
  message: Record<string, any>;
}

export type ZaloFailure =
  | { kind: 'http'; status: number; retryAfter?: number }
  | { kind: 'hang' }
  /** An envelope error with HTTP 200, e.g. -32 (rate limit), -216 (bad token), -230 (outside 7-day window). */
  | { kind: 'zalo'; error: number; message?: string };

export const ZALO_ERROR_MESSAGES: Record<number, string> = {
  [-32]: 'The application has reached the request limit',
  [-201]: 'Parameters are invalid',
  [-210]: 'Parameter exceeds limit',
  [-213]: 'User has not followed the OA',
  [-216]: 'Access token is invalid',
  [-220]: 'Access token is expired or removed',
  [-227]: 'User is banned or inactive for more than 45 days',
  [-230]: 'User has not interacted with the OA in the past 7 days',
  [-232]: 'User has not interacted or interaction has expired',
};

const FILE_TYPES = new Set([
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
]);

export interface FakeZaloOptions {
  oas: FakeZaloOa[];
  /** Key of the upload token in the response: Chatwoot reads `token`, goclaw's fixture has `attachment_id`. */
  uploadTokenKey?: 'token' | 'attachment_id';
  /** Delay before answering a token refresh (to make concurrent refreshers overlap). */
  refreshDelayMs?: number;
  /** Refuse template attachments with -201 (tests the plain-text fallback). */
  refuseTemplates?: boolean;
}

interface Rule {
  failure: ZaloFailure;
  remaining: number;
  path?: string;
}

export async function startFakeZalo(options: FakeZaloOptions) {
  const oas = new Map(options.oas.map((o) => [o.oaId, { ...o }]));
  const requests: RecordedZaloRequest[] = [];
  const sentMessages: SentZaloMessage[] = [];
  const uploads = new Map<string, { oaId: string; file: MultipartFile }>();
  const userErrors = new Map<string, number>();
  const rules: Rule[] = [];
  let refuseTemplates = options.refuseTemplates ?? false;
  let refreshDelayMs = options.refreshDelayMs ?? 0;
  let seq = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendJson(res, 500, { error: -1, message: String(error) }));
  });
  const conns = trackConnections(server);
  const port = await listen(server);

  /** Images users "sent" (addMedia), served at `/media/<name>` as Zalo's CDN serves `payload.url`. */
  const media = new Map<string, Buffer>();
  const mediaDownloads: string[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '').split('?')[0];
    const mediaName = /^\/media\/([A-Za-z0-9._-]+)$/.exec(path)?.[1];
    if (mediaName && req.method === 'GET') {
      await readBody(req);
      const data = media.get(mediaName);
      if (!data) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('Not Found');
      }
      mediaDownloads.push(mediaName);
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(data.length) });
      return res.end(data);
    }
    const raw = await readBody(req);
    const parsed = parseBody(raw, req.headers['content-type']);
    const rec: RecordedZaloRequest = {
      path,
      headers: req.headers,
      bodyKind: parsed.kind,
      body: parsed.fields as Record<string, any>,
      files: parsed.files,
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    requests.push(rec);
    const reply = (response: unknown, status = 200) => {
      rec.status = status;
      rec.response = response;
      sendJson(res, status, response);
    };
    const envelope = (error: number, data?: unknown, message?: string) =>
      reply({
        error,
        message: message ?? (error === 0 ? 'Success' : (ZALO_ERROR_MESSAGES[error] ?? 'Error')),
        ...(data ? { data } : {}),
      });

    const rule = rules.find((r) => r.remaining > 0 && (!r.path || r.path === path));
    if (rule) {
      rule.remaining--;
      const f = rule.failure;
      if (f.kind === 'hang') {
        rec.status = -1;
        return conns.hang(res);
      }
      if (f.kind === 'http') {
        rec.status = f.status;
        res.writeHead(f.status, {
          'content-type': 'text/html',
          ...(f.retryAfter ? { 'retry-after': String(f.retryAfter) } : {}),
        });
        return res.end(`<html><body>${f.status}</body></html>`);
      }
      return envelope(f.error, undefined, f.message);
    }

    if (req.method !== 'POST') return envelope(-201, undefined, 'Method not allowed');
    if (path === '/v4/oa/access_token') return refresh(rec, reply);

    const token = req.headers['access_token'];
    const oa = [...oas.values()].find((o) => o.accessToken === token);
    if (!oa) return envelope(-216);
    rec.oaId = oa.oaId;

    if (path === '/v3.0/oa/message/cs') {
      if (parsed.kind !== 'json') return envelope(-201);
      const userId = rec.body.recipient?.user_id;
      const msg = rec.body.message;
      if (typeof userId !== 'string' || !userId || typeof msg !== 'object' || !msg) return envelope(-201);
      const userError = userErrors.get(userId);
      if (userError) return envelope(userError);
      if (typeof msg.text === 'string' && msg.text.length > 2000) return envelope(-210);
      const att = msg.attachment;
      if (!msg.text && !att) return envelope(-201);
      if (att?.type === 'template' && refuseTemplates) return envelope(-201);
      if (att?.type === 'file') {
        const t = att.payload?.token ?? att.payload?.attachment_id;
        if (!uploads.has(t)) return envelope(-201, undefined, 'Attachment token is invalid');
      }
      const messageId = randomBytes(16).toString('hex');
      sentMessages.push({ oaId: oa.oaId, userId, messageId, message: msg });
      return envelope(0, { message_id: messageId, user_id: userId });
    }

    if (path === '/v2.0/oa/upload/file') {
      const file = rec.files.file;
      if (parsed.kind !== 'multipart' || !file) return envelope(-201);
      if (file.data.length > 5 * 1024 * 1024) return envelope(-210);
      if (!FILE_TYPES.has(file.contentType)) return envelope(-201, undefined, 'File type is not supported');
      const t = randomBytes(24).toString('base64url');
      uploads.set(t, { oaId: oa.oaId, file });
      return envelope(0, { [options.uploadTokenKey ?? 'token']: t });
    }
    return envelope(-201, undefined, `Unknown endpoint ${path}`);
  }

  async function refresh(rec: RecordedZaloRequest, reply: (b: unknown, s?: number) => void) {
    if (refreshDelayMs) await new Promise((r) => setTimeout(r, refreshDelayMs));
    const { refresh_token: rt, app_id: appId, grant_type: grant } = rec.body;
    const oa = [...oas.values()].find((o) => o.appId === appId && o.refreshToken === rt);
    const secret = rec.headers['secret_key'];
    if (grant !== 'refresh_token')
      return reply({ error: -14003, error_name: 'Invalid grant_type', error_description: 'grant_type is invalid' });
    if (!oa)
      return reply({
        error: -14014,
        error_name: 'Invalid refresh token',
        error_description: 'Refresh token is invalid or expired',
      });
    if (secret !== oa.appSecret)
      return reply({ error: -14002, error_name: 'Invalid app secret', error_description: 'secret_key is invalid' });
    seq++;
    oa.accessToken = `AT_${oa.oaId}_${seq}_${randomBytes(6).toString('hex')}`;
    oa.refreshToken = `RT_${oa.oaId}_${seq}_${randomBytes(6).toString('hex')}`;
    rec.oaId = oa.oaId;
    reply({ access_token: oa.accessToken, refresh_token: oa.refreshToken, expires_in: '90000' });
  }

  return {
    port,
    /** Serve an image at the URL a `user_send_image` webhook carries (returned). */
    addMedia(name: string, data: Buffer): string {
      media.set(name, data);
      return `http://127.0.0.1:${port}/media/${name}`;
    },
    /** Names of the images downloaded, in order. */
    mediaDownloads,
    /** ZALO_API_BASE */
    apiBase: `http://127.0.0.1:${port}`,
    /** ZALO_OAUTH_BASE (same server). */
    oauthBase: `http://127.0.0.1:${port}`,
    requests,
    /** Accepted consultation messages (optionally for one OA / user). */
    sent(filter: { oaId?: string; userId?: string } = {}): SentZaloMessage[] {
      return sentMessages.filter(
        (m) => (!filter.oaId || m.oaId === filter.oaId) && (!filter.userId || m.userId === filter.userId),
      );
    },
    /** Uploaded files, by token. */
    uploads(): { token: string; oaId: string; file: MultipartFile }[] {
      return [...uploads.entries()].map(([token, u]) => ({ token, ...u }));
    },
    /** Token refresh calls (all, or those that rotated `oaId`'s tokens). */
    refreshCalls(oaId?: string): RecordedZaloRequest[] {
      return requests.filter((r) => r.path === '/v4/oa/access_token' && (!oaId || r.oaId === oaId));
    },
    /** The OA's current tokens as the fake knows them. */
    tokensOf(oaId: string) {
      const oa = oas.get(oaId);
      return oa ? { accessToken: oa.accessToken, refreshToken: oa.refreshToken } : undefined;
    },
    /** Invalidate the OA's access token (the next call with it gets -216); the refresh token stays valid. */
    expireAccessToken(oaId: string) {
      const oa = oas.get(oaId);
      if (oa) oa.accessToken = `AT_${oa.oaId}_revoked_${randomBytes(4).toString('hex')}`;
    },
    /** Every message to this user fails with `error` (e.g. -230, -213); pass 0 to clear. */
    setUserError(userId: string, error: number) {
      if (error) userErrors.set(userId, error);
      else userErrors.delete(userId);
    },
    setRefuseTemplates(on: boolean) {
      refuseTemplates = on;
    },
    setRefreshDelay(ms: number) {
      refreshDelayMs = ms;
    },
    /** Fail the next `times` calls (default 1), optionally only on one path. */
    fail(failure: ZaloFailure, opts: { times?: number; path?: string } = {}) {
      rules.push({ failure, remaining: opts.times ?? 1, path: opts.path });
    },
    reset() {
      requests.length = 0;
      sentMessages.length = 0;
      rules.length = 0;
      userErrors.clear();
      refuseTemplates = options.refuseTemplates ?? false;
      conns.releaseHung();
    },
    close: () => conns.close(),
  };
}

export type FakeZalo = Awaited<ReturnType<typeof startFakeZalo>>;
