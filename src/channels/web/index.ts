import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { fieldErrorsOf } from '../../core/http-errors.js';
import type { ChannelAdapter, InboundMessage, Recipient, Reply, SendResult } from '../../core/types.js';
import { CHANNEL_CAPABILITIES } from '../capabilities.js';
import type { WebChatSecurity, WebSession } from './session.js';

/**
 * Web chat request body: `{ sessionId, text }` or `{ sessionId, action }`. `sessionId` is the signed session
 * the server issued (`POST /api/v1/chat/session`); its signature is checked by the route (401 when invalid).
 */
export const webChatBody = z
  .object({
    sessionId: z.string().min(1, 'sessionId is required').max(200, 'sessionId: not a session issued by this server'),
    text: z.string().max(20_000, 'text: at most 20,000 characters').optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9_.:-]{0,127}$/i, 'action: unknown format')
      .optional(),
    /** Client-generated id; resending the same id is answered once. */
    messageId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  })
  .refine((b) => b.text !== undefined || b.action !== undefined, { message: 'text or action is required' });

export type WebChatBody = z.infer<typeof webChatBody>;

export interface WebReply {
  text: string;
  buttons?: { label: string; action?: string; url?: string }[];
  file?: { name: string; mimeType: string; url?: string; contentBase64?: string };
  /** The reply asks for a photo: the page shows its photo button. */
  requestImage?: boolean;
}

/** Validate a web chat request's shape; throws ValidationError (HTTP 422) on bad input. */
export function parseWebChatBody(body: unknown): WebChatBody {
  const parsed = webChatBody.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError('invalid chat request', fieldErrorsOf(parsed.error), 422);
  }
  return parsed.data;
}

/** The neutral message of a validated request from a verified session (its chat id is the session's random id). */
export function webChatMessage(b: WebChatBody, session: Pick<WebSession, 'chatId'>, communeId: number): InboundMessage {
  return {
    channel: 'web',
    communeId,
    chatId: session.chatId,
    userId: session.chatId,
    externalId: b.messageId ? `${session.chatId}:${b.messageId}` : randomUUID(),
    text: b.text,
    action: b.action,
    receivedAt: new Date(),
  };
}

export function renderWebReplies(replies: Reply[]): WebReply[] {
  return replies.map((r) => {
    const out: WebReply = { text: r.text };
    if (r.buttons?.length) out.buttons = r.buttons.map((b) => ({ label: b.label, action: b.action, url: b.url }));
    if (r.file) out.file = { name: r.file.name, mimeType: r.file.mimeType, contentBase64: r.file.contentBase64 };
    if (r.requestImage) out.requestImage = true;
    return out;
  });
}

/**
 * The web chat adapter. The web page pulls its replies (in the HTTP response,
 * or later via the updates endpoint), so `send` only confirms.
 */
export function createWebAdapter(security: () => WebChatSecurity | undefined): ChannelAdapter<unknown> {
  return {
    channel: 'web',
    capabilities: CHANNEL_CAPABILITIES.web,
    verify: () => true,
    // The web chat is served by its own routes (channels/web/routes.ts); this keeps the contract: a request
    // without a server-issued session gives no message.
    parse: (raw, communeId) => {
      try {
        const body = parseWebChatBody(raw);
        const session = security()?.sessions.verify(body.sessionId);
        return session ? [webChatMessage(body, session, communeId)] : [];
      } catch {
        return [];
      }
    },
    render: (replies: Reply[], _to: Recipient) => renderWebReplies(replies),
    send: async (): Promise<SendResult> => ({ ok: true, platformMessageIds: [] }),
  };
}

/** The web chat page of a commune: the root for the default commune, `?commune=<slug>` for the others. */
export function webChatUrlFor(publicUrl: string | undefined, slug?: string): string | undefined {
  if (!publicUrl) return undefined;
  const root = `${publicUrl.replace(/\/+$/, '')}/`;
  return slug ? `${root}?commune=${encodeURIComponent(slug)}` : root;
}
