/**
 * Zalo Official Account (OA) Open API v3 payloads this adapter reads and
 * writes. Every id is a string on the wire and stays a string (user ids
 * exceed 2^53). See docs/reference platforms.md §1.
 */

/** Common webhook fields. `timestamp` is epoch milliseconds as a string. */
export interface ZaloWebhookBase {
  event_name: string;
  app_id?: string;
  oa_id?: string;
  timestamp?: string;
  user_id_by_app?: string;
}

export interface ZaloAttachment {
  type: string;
  payload?: {
    url?: string;
    thumbnail?: string;
    name?: string;
    size?: string | number;
    type?: string;
    checksum?: string;
    id?: string;
    coordinates?: { latitude: string; longitude: string };
    description?: string;
  };
}

/** user_send_text / user_send_image / user_send_file / …: user -> OA. */
export interface ZaloUserMessageEvent extends ZaloWebhookBase {
  sender: { id: string };
  recipient: { id: string };
  message: { msg_id: string; text?: string; attachments?: ZaloAttachment[] };
}

/** follow / unfollow: no sender/recipient, the user is `follower.id`. */
export interface ZaloFollowEvent extends ZaloWebhookBase {
  event_name: 'follow' | 'unfollow';
  oa_id: string;
  follower: { id: string };
  source?: string;
}

/** The user's answer to a request_user_info template. */
export interface ZaloSubmitInfoEvent extends ZaloWebhookBase {
  event_name: 'user_submit_info';
  sender: { id: string };
  recipient: { id: string };
  info: { name?: string; phone?: string; address?: string; city?: string; district?: string; ward?: string };
}

export type ZaloWebhookEvent = ZaloUserMessageEvent | ZaloFollowEvent | ZaloSubmitInfoEvent | ZaloWebhookBase;

/** Response envelope of the OA API (errors also arrive with HTTP 200). */
export interface ZaloEnvelope<T = Record<string, unknown>> {
  error: number;
  message: string;
  data?: T;
}

export type ZaloButton =
  | { title: string; type: 'oa.query.hide' | 'oa.query.show'; payload: string }
  | { title: string; type: 'oa.open.url'; payload: { url: string } };

export interface ZaloCsMessage {
  text?: string;
  attachment?:
    | { type: 'template'; payload: { template_type: 'button'; buttons: ZaloButton[] } }
    | {
        type: 'template';
        payload: { template_type: 'request_user_info'; elements: { title: string; subtitle: string; image_url?: string }[] };
      }
    | { type: 'file'; payload: { token: string } };
}

/** Body of `POST /v3.0/oa/message/cs`. */
export interface ZaloCsBody {
  recipient: { user_id: string };
  message: ZaloCsMessage;
}

export const ZALO_CS_PATH = '/v3.0/oa/message/cs';
export const ZALO_UPLOAD_FILE_PATH = '/v2.0/oa/upload/file';
export const ZALO_OAUTH_TOKEN_PATH = '/v4/oa/access_token';

/**
 * One step produced by render. `message` is a ready consultation message;
 * `file` must be uploaded first, its token then goes into a file message.
 * `fallbackText`, when present, is sent instead if Zalo refuses the template
 * attachment (it already contains the numbered choices).
 */
export type ZaloRequest =
  | { kind: 'message'; path: typeof ZALO_CS_PATH; body: ZaloCsBody; fallbackText?: string }
  | {
      kind: 'file';
      uploadPath: typeof ZALO_UPLOAD_FILE_PATH;
      path: typeof ZALO_CS_PATH;
      userId: string;
      file: { name: string; mimeType: string; data: Buffer };
    };
