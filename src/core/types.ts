/**
 * Channel-neutral message and reply types. Every channel adapter turns its
 * platform payloads into an {@link InboundMessage} and renders {@link Reply}
 * values back into platform requests. Features never see platform payloads.
 */

/** Channels the bot speaks on. `zalo` is a Zalo Official Account, `zalobot` a Zalo Bot Platform bot. */
export const CHANNEL_NAMES = ['web', 'telegram', 'zalo', 'zalobot', 'cli'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** A file attached to an inbound message (the platform's own reference). */
export interface InboundAttachment {
  kind: 'image' | 'file' | 'audio' | 'video' | 'sticker' | 'location' | 'other';
  url?: string;
  name?: string;
  size?: number;
  /** Platform file id (Telegram file_id, Zalo attachment id), or with `stored` the name of a file already kept. */
  fileId?: string;
  /**
   * The channel already checked and stored the file (a web chat upload, re-encoded under the report photos'
   * directory): `fileId` names the stored file and nothing is left to download.
   */
  stored?: boolean;
  /** A shared location (`kind: 'location'`), in degrees (WGS 84); set only when both are present and in range. */
  latitude?: number;
  longitude?: number;
}

/** A phone number the platform vouches for (Telegram own contact, Zalo user_submit_info). */
export interface SharedContact {
  phone: string;
  /** True when the platform guarantees the number belongs to the sender. */
  verified: boolean;
  name?: string;
}

/**
 * One inbound message, neutral. `externalId` is unique per channel account and
 * is what makes a redelivered webhook a no-op.
 */
export interface InboundMessage {
  channel: ChannelName;
  /** Commune (tenant) this message belongs to; resolved by the channel account. */
  communeId: number;
  /** Conversation address on the platform (Telegram chat id, Zalo user id, web session id). Always a string. */
  chatId: string;
  /** Sender id on the platform. Always a string (Zalo ids overflow JS numbers). */
  userId: string;
  /** Platform message id (Telegram update_id, Zalo msg_id, web client message id). */
  externalId: string;
  text?: string;
  /** Button action id (namespaced, e.g. `dossier:follow`), when the user tapped a button. */
  action?: string;
  attachments?: InboundAttachment[];
  contact?: SharedContact;
  /** Platform-level events that are not messages (follow, unfollow). */
  event?: 'follow' | 'unfollow';
  /** Display name, if the platform provides it. Never logged. */
  userName?: string;
  receivedAt?: Date;
  /**
   * Platform payload as received, for the adapter's own use while the webhook is handled (a Telegram
   * button tap is acknowledged with its callback id). Not stored: it carries the sender's names.
   */
  raw?: unknown;
}

/** A tappable button. `action` is a namespaced id; `url` opens a link instead. */
export interface ReplyButton {
  label: string;
  action?: string;
  url?: string;
}

/** A file to deliver in the chat (e.g. a civil-record extract PDF), with its content: what channels render. */
export interface ReplyFile {
  name: string;
  mimeType: string;
  /** Base64 content (kept in the outbox so a retry can resend it). */
  contentBase64: string;
  /**
   * The {@link ReplyFileRef} this content was read from, if any: the same file for every recipient, so a
   * channel may reuse its own earlier upload of it (Telegram's file_id) instead of uploading it again.
   */
  ref?: string;
}

/**
 * A file queued by reference (`ref`, e.g. `notice-attachment:<token>`) instead of its content: kept once
 * elsewhere and fetched by the delivery worker just before each send (its `resolveFile`), so a notice's file
 * is not copied into every recipient's outbox row. A ref that no longer resolves gives the message up.
 */
export interface ReplyFileRef {
  name: string;
  mimeType: string;
  ref: string;
}

/** A reply as queued in the outbox: its file may be a {@link ReplyFileRef}, resolved to content before sending. */
export type OutboundReply = Omit<Reply, 'file'> & { file?: ReplyFile | ReplyFileRef };

/** One neutral reply. Channels split long text to their own limits. */
export interface Reply {
  text: string;
  buttons?: ReplyButton[];
  file?: ReplyFile;
  /** Ask the user to share their phone number through the platform (Telegram contact, Zalo request_user_info). */
  requestContact?: boolean;
  /** The reply asks for a photo (the web chat then shows its photo button). */
  requestImage?: boolean;
}

/**
 * A reply as the outbox keeps it: once an inline file has reached the resident
 * (or delivery gave up) its content is dropped, and only its name and type
 * stay. A referenced file keeps its ref (nothing to drop).
 */
export type StoredReply = Omit<Reply, 'file'> & {
  file?: (Omit<ReplyFile, 'contentBase64'> & { contentBase64?: string }) | ReplyFileRef;
};

/**
 * Result of a platform send. `retryAfterMs` comes from 429 / rate-limit
 * answers. A reply may take several platform messages (long text split, a
 * file): `partsDone` says how many were delivered before a failure, so a
 * retry resumes after them instead of sending them twice.
 */
export type SendResult =
  | { ok: true; platformMessageIds: string[] }
  | {
      ok: false;
      retryable: boolean;
      retryAfterMs?: number;
      code: string;
      message: string;
      partsDone?: number;
      /** Ids of the parts delivered in this attempt before the failure. */
      platformMessageIds?: string[];
    };

/** Options of one delivery attempt. */
export interface SendOptions {
  /** Platform messages of this reply already delivered by an earlier attempt. */
  skipParts?: number;
}

/** Address to deliver replies to. */
export interface Recipient {
  communeId: number;
  channel: ChannelName;
  chatId: string;
  userId: string;
}

/**
 * What a platform can do, declared by its adapter (see channels/capabilities.ts),
 * so that nothing outside `channels/` decides behaviour by a channel's name.
 */
export interface ChannelCapabilities {
  /** `native`: tappable buttons; `numbered`: buttons shown as a numbered list, where a typed number taps one. */
  buttons: 'native' | 'numbered';
  /** The platform can share the sender's own phone number, vouched for (Telegram contact, Zalo request_user_info). */
  contactSharing: boolean;
  /** A file can reach the resident in the chat (otherwise the channel says where to get it). */
  files: boolean;
  /** `push`: the delivery worker sends replies to the platform; `pull`: the client takes them (web page, CLI). */
  delivery: 'push' | 'pull';
  /** How long after the resident's last message the platform still accepts a message (Zalo OA: 7 days). */
  replyWindowMs?: number;
  /**
   * The platform caps how many messages one bot sends a second across all its chats (Telegram: about 30), so
   * broadcasts to a bot are paced under the cap (the operator sets the pace) and residents' replies, never
   * paced, do not meet its 429.
   */
  pacedBroadcasts?: boolean;
}

/**
 * The port each channel implements. Parsing and rendering are pure; `send`
 * does network I/O and never throws for platform errors (it returns a
 * SendResult so the delivery queue can decide on retries).
 */
export interface ChannelAdapter<Raw = unknown> {
  readonly channel: ChannelName;
  readonly capabilities: ChannelCapabilities;
  /** Check a webhook's authenticity over the raw body and headers. */
  verify(input: { rawBody: Buffer; headers: Record<string, string | string[] | undefined> }): boolean;
  /** Turn one platform payload into zero or more neutral messages (unsupported events give none). */
  parse(raw: Raw, communeId: number): InboundMessage[];
  /** Render neutral replies into platform requests (pure, for tests and for send). */
  render(replies: Reply[], to: Recipient): unknown[];
  /** Deliver one reply (resuming after `skipParts` already delivered parts). */
  send(reply: Reply, to: Recipient, opts?: SendOptions): Promise<SendResult>;
  /**
   * Called once a webhook's message is recorded, for platforms that expect a
   * word back (Telegram: answer the callback query of a button tap, so the
   * button stops spinning). Never throws.
   */
  acknowledge?(msg: InboundMessage): Promise<boolean>;
}

export interface ConversationState {
  /** Active multi-step flow, e.g. `dossier:verify`. */
  flow?: string | null;
  /** Flow and context data (last procedure, candidates…). JSON only. */
  data: Record<string, unknown>;
}
