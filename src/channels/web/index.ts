import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { ChannelAdapter, InboundMessage, Recipient, Reply, SendResult } from '../../core/types.js';

/** Web chat request body: `{ sessionId, text }` or `{ sessionId, action }`. */
export const webChatBody = z
  .object({
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'sessionId: 8–128 characters A-Z a-z 0-9 _ -'),
    text: z.string().max(20_000, 'text: at most 20,000 characters').optional(),
    action: z.string().regex(/^[a-z][a-z0-9_.:-]{0,127}$/i, 'action: unknown format').optional(),
    /** Client-generated id; resending the same id is answered once. */
    messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  })
  .refine((b) => b.text !== undefined || b.action !== undefined, { message: 'text or action is required' });

export type WebChatBody = z.infer<typeof webChatBody>;

export interface WebReply {
  text: string;
  buttons?: { label: string; action?: string; url?: string }[];
  file?: { name: string; mimeType: string; url?: string; contentBase64?: string };
}

/** Parse and validate a web chat request; throws ValidationError (HTTP 422) on bad input. */
export function parseWebChat(body: unknown, communeId: number): InboundMessage {
  const parsed = webChatBody.safeParse(body);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join('.') || 'body'] = issue.message;
    throw new ValidationError('invalid chat request', fieldErrors, 422);
  }
  const b = parsed.data;
  return {
    channel: 'web',
    communeId,
    chatId: b.sessionId,
    userId: b.sessionId,
    externalId: b.messageId ? `${b.sessionId}:${b.messageId}` : randomUUID(),
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
    return out;
  });
}

/**
 * The web chat adapter. The web page pulls its replies (in the HTTP response,
 * or later via the updates endpoint), so `send` only confirms.
 */
export function createWebAdapter(): ChannelAdapter<unknown> {
  return {
    channel: 'web',
    verify: () => true,
    parse: (raw, communeId) => {
      try {
        return [parseWebChat(raw, communeId)];
      } catch {
        return [];
      }
    },
    render: (replies: Reply[], _to: Recipient) => renderWebReplies(replies),
    send: async (): Promise<SendResult> => ({ ok: true, platformMessageIds: [] }),
  };
}
