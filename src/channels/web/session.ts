import { createHmac, randomBytes } from 'node:crypto';
import { secureEqual } from '../../core/secure-compare.js';

/**
 * A web chat session as the server issues it: `<id>.<issued>.<signature>`, where `id` is 16 random bytes
 * (base64url, 22 characters) and the conversation's chat id, `issued` the issue time in seconds (base 36), and
 * `signature` HMAC-SHA256 of both under the installation's session key (base64url, 43 characters). The browser
 * keeps the whole token; only the server can make one, so a made-up or altered id is refused, and knowing a
 * chat id (from the database or the staff console) is not enough to read or write that chat.
 */
export const WEB_SESSION_TOKEN = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

/** A session older than this is refused and the page asks for a new one (a followed dossier's chat lives long). */
export const WEB_SESSION_MAX_AGE_MS = 180 * 24 * 3_600_000;
/** Clock skew tolerated between processes sharing one key. */
const FUTURE_SKEW_MS = 5 * 60_000;

export interface WebSession {
  /** What the browser keeps and sends back as `sessionId`. */
  token: string;
  /** The conversation's chat id (the token's random part). */
  chatId: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** Issues and checks signed web chat sessions under one key. */
export interface WebSessions {
  issue(now?: Date): WebSession;
  /** The session of a token whose signature and age are valid; undefined otherwise. */
  verify(token: unknown, now?: Date): WebSession | undefined;
}

export function createWebSessions(key: string | Buffer): WebSessions {
  if (key.length < 32) throw new Error('the web session key must be at least 32 bytes or characters');
  const sign = (id: string, issued: string) =>
    createHmac('sha256', key).update(`web-session:v1:${id}.${issued}`).digest('base64url');
  const session = (id: string, issued: string, signature: string): WebSession => {
    const issuedAt = new Date(parseInt(issued, 36) * 1000);
    return {
      token: `${id}.${issued}.${signature}`,
      chatId: id,
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + WEB_SESSION_MAX_AGE_MS),
    };
  };
  return {
    issue(now = new Date()) {
      const id = randomBytes(16).toString('base64url');
      const issued = Math.floor(now.getTime() / 1000).toString(36);
      return session(id, issued, sign(id, issued));
    },
    verify(token, now = new Date()) {
      if (typeof token !== 'string') return undefined;
      const m = WEB_SESSION_TOKEN.exec(token);
      if (!m) return undefined;
      const [, id, issued, signature] = m;
      if (!secureEqual(sign(id, issued), signature)) return undefined;
      const s = session(id, issued, signature);
      const at = s.issuedAt.getTime();
      if (at > now.getTime() + FUTURE_SKEW_MS || s.expiresAt.getTime() <= now.getTime()) return undefined;
      return s;
    },
  };
}

/** What the web chat's routes need to tell a server-issued session from an invented one, and their limits. */
export interface WebChatSecurity {
  sessions: WebSessions;
  /** New sessions one address may obtain per hour (WEB_CHAT_SESSIONS_PER_HOUR_PER_IP). */
  sessionsPerHourPerIp: number;
  /** Messages that could carry a dossier verification, per address and hour (WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP). */
  verificationsPerHourPerIp: number;
}
