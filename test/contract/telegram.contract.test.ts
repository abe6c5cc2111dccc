import { createTelegramAdapter, TELEGRAM_TEXT_LIMIT, type TelegramRequest } from '../../src/channels/telegram/index.js';
import { runAdapterContract, type RenderedButton } from './adapter-contract.js';
import { fixture } from './fixtures.js';

const SECRET = 'contract_secret-123';

function visible(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

runAdapterContract('telegram', () => ({
  adapter: createTelegramAdapter({ token: '7000000001:TEST', secret: SECRET, apiRoot: 'http://127.0.0.1:9' }),
  communeId: 7,
  recipient: { communeId: 7, channel: 'telegram', chatId: '5123400001', userId: '5123400001' },
  supported: [
    {
      name: 'text',
      raw: fixture('telegram', 'text'),
      expect: { chatId: '5123400001', userId: '5123400001', externalId: '734120001', text: 'Làm giấy khai sinh cần những gì?' },
    },
    { name: 'start-param', raw: fixture('telegram', 'start-param'), expect: { text: '/start proc_1.001193' } },
    {
      name: 'callback-query',
      raw: fixture('telegram', 'callback-query'),
      expect: { action: 'proc:detail:1.001193', chatId: '5123400001' },
    },
    {
      name: 'contact-own',
      raw: fixture('telegram', 'contact-own'),
      expect: { contact: { phone: '0912345678', verified: true, name: 'Lan Trần' } },
    },
    {
      name: 'contact-foreign',
      raw: fixture('telegram', 'contact-foreign'),
      expect: { contact: { phone: '0987654321', verified: false, name: 'Hùng Lê' } },
    },
    {
      name: 'contact-forwarded',
      raw: fixture('telegram', 'contact-forwarded'),
      expect: { contact: { phone: '0912345678', verified: false, name: 'Lan Trần' } },
    },
    {
      name: 'photo',
      raw: fixture('telegram', 'photo'),
      expect: { text: 'Ảnh giấy chứng sinh', attachments: [{ kind: 'image', fileId: 'AgACAgUAAxkBAAIBfakePhotoLarge' }] },
    },
    {
      name: 'document',
      raw: fixture('telegram', 'document'),
      expect: { attachments: [{ kind: 'file', name: 'to-khai-khai-sinh.pdf', size: 48213 }] },
    },
    {
      // The resident blocked the bot (issue 17): the same neutral event as a Zalo OA unfollow.
      name: 'my-chat-member',
      raw: fixture('telegram', 'my-chat-member'),
      expect: { event: 'unfollow', chatId: '5123400001', userId: '5123400001', externalId: '734120011' },
    },
  ],
  unsupported: [
    { name: 'edited-message', raw: fixture('telegram', 'edited-message') },
    // Unblocking is followed by the app's /start, which gets the menu; a group membership is no resident's chat.
    { name: 'my-chat-member-unblocked', raw: fixture('telegram', 'my-chat-member-unblocked') },
    { name: 'my-chat-member-group', raw: fixture('telegram', 'my-chat-member-group') },
    { name: 'channel-post', raw: fixture('telegram', 'channel-post') },
  ],
  sign: () => ({ 'x-telegram-bot-api-secret-token': SECRET }),
  forged: () => [{ 'x-telegram-bot-api-secret-token': '' }, { 'x-telegram-bot-api-secret-token': `${SECRET}x` }],
  signatureCoversBody: false,
  textLimit: TELEGRAM_TEXT_LIMIT,
  textsOf: (rendered) =>
    (rendered as TelegramRequest[]).filter((r) => r.method === 'sendMessage').map((r) => visible(String(r.payload.text))),
  buttonsOf: (rendered) =>
    (rendered as TelegramRequest[]).flatMap((r) => {
      const markup = r.payload.reply_markup;
      if (!markup || !('inline_keyboard' in markup)) return [];
      return markup.inline_keyboard.flat().map((b): RenderedButton => ({ label: b.text, action: b.callback_data, url: b.url }));
    }),
}));
