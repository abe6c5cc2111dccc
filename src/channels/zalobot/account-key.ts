import { createHash } from 'node:crypto';

/**
 * The channel_accounts key of a bot, also the tail of its webhook URL
 * (`/webhooks/zalobot/<key>`). The docs copy gives the token as
 * `{bot_id}:{access_token}`: the bot id is the key. A token of another shape
 * (UNVERIFIED that none exists) gets a hash, so the secret part of a token
 * never ends up in a URL or a database key.
 */
export function zaloBotAccountKey(token: string): string {
  const m = /^([A-Za-z0-9_-]{1,64}):./.exec(token);
  if (m) return m[1];
  return `h${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16)}`;
}
