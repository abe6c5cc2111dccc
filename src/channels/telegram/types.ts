/**
 * The subset of Telegram Bot API objects this adapter reads and writes
 * (https://core.telegram.org/bots/api). Ids are JSON numbers on the wire and
 * become strings in neutral messages.
 */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
}

export interface TgContact {
  phone_number: string;
  first_name: string;
  last_name?: string;
  /** Filled in by Telegram's server for a real account; absent for address-book entries without one. */
  user_id?: number;
  vcard?: string;
}

export interface TgPhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

export interface TgFile {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  caption?: string;
  contact?: TgContact;
  photo?: TgPhotoSize[];
  document?: TgFile;
  voice?: TgFile;
  audio?: TgFile;
  video?: TgFile;
  sticker?: TgFile;
  location?: { latitude: number; longitude: number };
  /** Set on forwarded messages (Bot API 7.0+). */
  forward_origin?: unknown;
  /** Pre-7.0 forward marker, still honoured. */
  forward_from?: TgUser;
  forward_date?: number;
  reply_markup?: unknown;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  inline_message_id?: string;
  chat_instance: string;
  data?: string;
}

/**
 * A chat member's status (ChatMember): `member`, `kicked` (ChatMemberBanned; in a private chat with the bot,
 * the user blocked it), `left`, `restricted`, `administrator`, `creator`.
 */
export interface TgChatMember {
  user: TgUser;
  status: string;
  until_date?: number;
}

/**
 * `my_chat_member`: the bot's own membership changed. In a private chat Telegram sends it only when the
 * user blocks the bot (new status `kicked`) or unblocks it (back to `member`).
 */
export interface TgChatMemberUpdated {
  chat: TgChat;
  from: TgUser;
  date: number;
  old_chat_member: TgChatMember;
  new_chat_member: TgChatMember;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  channel_post?: TgMessage;
  edited_channel_post?: TgMessage;
  callback_query?: TgCallbackQuery;
  my_chat_member?: TgChatMemberUpdated;
  chat_member?: unknown;
  [key: string]: unknown;
}

export interface TgInlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
}

export interface TgKeyboardButton {
  text: string;
  request_contact?: boolean;
}

export type TgReplyMarkup =
  | { inline_keyboard: TgInlineKeyboardButton[][] }
  | {
      keyboard: TgKeyboardButton[][];
      resize_keyboard?: boolean;
      one_time_keyboard?: boolean;
      is_persistent?: boolean;
      input_field_placeholder?: string;
    }
  | { remove_keyboard: true };

/** A file part in telegraf's InputFile form; telegraf sends the request as multipart. */
export interface TgInputFile {
  source: Buffer;
  filename: string;
}

export interface TgSendMessagePayload {
  chat_id: string;
  text: string;
  parse_mode: 'HTML';
  link_preview_options?: { is_disabled: boolean };
  reply_markup?: TgReplyMarkup;
}

export interface TgSendDocumentPayload {
  chat_id: string;
  /** The file's bytes (multipart), or the file_id of this bot's earlier upload of it (JSON). */
  document: TgInputFile | string;
  caption?: string;
  parse_mode?: 'HTML';
  reply_markup?: TgReplyMarkup;
}

/** The part of a sent Message the adapter reads: its id and, for a document, the file_id to send it again. */
export interface TgSentMessage {
  message_id: number;
  document?: { file_id?: string };
}

/** One Bot API call produced by render: `POST /bot<token>/<method>` with this payload. */
export type TelegramRequest =
  { method: 'sendMessage'; payload: TgSendMessagePayload } | { method: 'sendDocument'; payload: TgSendDocumentPayload };

/** Bot API response envelope. */
export type TgResponse<T> =
  | { ok: true; result: T }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };
