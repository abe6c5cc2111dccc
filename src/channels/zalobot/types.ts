/**
 * Zalo Bot Platform (bot.zaloplatforms.com, "Telegram-like") payloads this
 * adapter reads and writes. Every id is a string on the wire (hex such as
 * `6ede9afa66b88fe6d6a9`) and stays a string. See platforms.md §2; nothing
 * here was checked against the live platform.
 */

export interface ZbUser {
  id: string;
  display_name?: string;
  /** The getUpdates sample of the docs copy has `first_name` instead of `display_name`. */
  first_name?: string;
  /** openclaw reads `name` too. */
  name?: string;
  is_bot?: boolean;
}

export interface ZbChat {
  id: string;
  chat_type?: 'PRIVATE' | 'GROUP';
}

export interface ZbMessage {
  message_id: string;
  from: ZbUser;
  chat: ZbChat;
  /** Epoch milliseconds. */
  date?: number;
  text?: string;
  photo_url?: string;
  caption?: string;
  sticker?: string;
}

export type ZbEventName =
  'message.text.received' | 'message.image.received' | 'message.sticker.received' | 'message.unsupported.received';

/** One update. There is no update_id: a message is identified by message.message_id. */
export interface ZbUpdate {
  event_name?: ZbEventName | string;
  message?: ZbMessage;
}

/**
 * A webhook body. The docs sample wraps the update as `{ok:true,result}`;
 * openclaw says live pushes arrive unwrapped. Which one Zalo sends is
 * UNVERIFIED, so both are accepted.
 */
export type ZbWebhookBody = ZbUpdate | { ok: true; result: ZbUpdate };

/** API response envelope: `{ok:true,result}` or `{ok:false,error_code,description}`. */
export type ZbResponse<T> =
  { ok: true; result?: T } | { ok: false; error_code?: number; description?: string; parameters?: { retry_after?: number } };

export interface ZbSendMessagePayload {
  chat_id: string;
  /** 1–2000 characters. */
  text: string;
}

/** `sendMessage` / `sendPhoto` result. */
export interface ZbSentMessage {
  message_id: string;
  date?: number;
}

export interface ZbWebhookInfo {
  url: string;
  updated_at?: number;
}

export interface ZbBotInfo {
  id: string;
  account_name?: string;
  account_type?: string;
  can_join_groups?: boolean;
}

/**
 * One Bot API call produced by render: `POST /bot<token>/<method>` with this
 * payload. `numberedActions` is not sent: it is the action each number of the
 * text's numbered list selects (what the dispatcher stores for a typed digit).
 */
export interface ZaloBotRequest {
  method: 'sendMessage';
  payload: ZbSendMessagePayload;
  numberedActions?: string[];
}
