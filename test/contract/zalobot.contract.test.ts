import { readFileSync } from 'node:fs';
import { createZaloBotAdapter, ZALOBOT_TEXT_LIMIT, type ZaloBotRequest } from '../../src/channels/zalobot/index.js';
import { runAdapterContract, type RenderedButton } from './adapter-contract.js';

const SECRET = 'contract-secret-zalobot-123';
// fixtures.ts types its platforms as telegram | zalo; read ours directly.
const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/zalobot/${name}.json`, import.meta.url), 'utf8'));

/**
 * The platform has no buttons: they are rendered as a numbered text list.
 * Read them back from the text the resident sees ("1. label", "• label: url"),
 * mapping each number to the action the request says it selects, so the
 * contract fails if the list is missing from the text or numbered wrongly.
 */
function buttonsOf(rendered: unknown[]): RenderedButton[] {
  const out: RenderedButton[] = [];
  for (const r of rendered as ZaloBotRequest[]) {
    for (const line of r.payload.text.split('\n')) {
      const numbered = /^(\d+)\. (.+)$/.exec(line);
      if (numbered && r.numberedActions) {
        const action = r.numberedActions[Number(numbered[1]) - 1];
        if (action) out.push({ label: numbered[2], action });
      }
      const link = /^• (.+): (https?:\/\/\S+)$/.exec(line);
      if (link) out.push({ label: link[1], url: link[2] });
    }
  }
  return out;
}

runAdapterContract('zalobot', () => ({
  adapter: createZaloBotAdapter({ token: '1459232241454765289:contract-token', secret: SECRET, apiBase: 'http://127.0.0.1:9' }),
  communeId: 5,
  recipient: { communeId: 5, channel: 'zalobot', chatId: 'a1b2c3d4e5f60718293a', userId: 'a1b2c3d4e5f60718293a' },
  supported: [
    {
      name: 'text-wrapped (docs sample)',
      raw: fixture('text-wrapped'),
      expect: {
        chatId: '6ede9afa66b88fe6d6a9',
        userId: '6ede9afa66b88fe6d6a9',
        externalId: '2d758cb5e222177a4e35',
        text: 'Xin chào',
        userName: 'Ted',
      },
    },
    {
      name: 'text-unwrapped',
      raw: fixture('text-unwrapped'),
      expect: { chatId: 'a1b2c3d4e5f60718293a', externalId: 'f00dbabe0000000000a1', text: 'Làm giấy khai sinh cần những gì?' },
    },
    {
      name: 'get-updates (docs sample, no event_name)',
      raw: fixture('get-updates'),
      expect: { chatId: 'e4ea2cd5189df1c3a88c', externalId: '16f6366b3f02645a3d15', text: 'Xin chào', userName: 'Nguyen Van A' },
    },
  ],
  unsupported: [
    { name: 'image', raw: fixture('image') },
    { name: 'sticker', raw: fixture('sticker') },
    { name: 'unsupported', raw: fixture('unsupported') },
    { name: 'group-text', raw: fixture('group-text') },
    { name: 'ok:false envelope', raw: { ok: false, error_code: 500, description: 'error' } },
  ],
  sign: () => ({ 'x-bot-api-secret-token': SECRET }),
  forged: (): Record<string, string>[] => [
    { 'x-bot-api-secret-token': '' },
    { 'x-bot-api-secret-token': `${SECRET}x` },
    { 'x-bot-api-secret-token': SECRET.toUpperCase() },
    // Telegram's header name carries nothing here.
    { 'x-telegram-bot-api-secret-token': SECRET },
  ],
  signatureCoversBody: false,
  textLimit: ZALOBOT_TEXT_LIMIT,
  textsOf: (rendered) => (rendered as ZaloBotRequest[]).map((r) => r.payload.text),
  buttonsOf,
}));
