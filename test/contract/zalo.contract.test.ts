import { createHash } from 'node:crypto';
import {
  createMemoryZaloTokenRepo,
  createZaloAdapter,
  signZaloEvent,
  ZALO_TEXT_LIMIT,
  type ZaloRequest,
} from '../../src/channels/zalo/index.js';
import { runAdapterContract, type RenderedButton } from './adapter-contract.js';
import { fixture } from './fixtures.js';

const APP_ID = '2553928400000000079';
const OA_SECRET = 'oa-secret-key-for-tests';
const NOW = 1767225600000;

runAdapterContract('zalo', () => ({
  adapter: createZaloAdapter({
    appId: APP_ID,
    appSecret: 'app-secret-for-tests',
    oaId: '3662729500000000487',
    oaSecretKey: OA_SECRET,
    tokenRepo: createMemoryZaloTokenRepo(),
    apiBase: 'http://127.0.0.1:9',
    now: () => NOW,
  }),
  communeId: 3,
  recipient: { communeId: 3, channel: 'zalo', chatId: '6142494800000012345', userId: '6142494800000012345' },
  supported: [
    {
      name: 'user_send_text',
      raw: fixture('zalo', 'user_send_text'),
      expect: {
        chatId: '6142494800000012345',
        userId: '6142494800000012345',
        externalId: 'cb31dff1c39642cc1b83',
        text: 'Cho hỏi thủ tục đăng ký khai sinh',
      },
    },
    { name: 'user_send_text_button', raw: fixture('zalo', 'user_send_text_button'), expect: { action: 'proc:detail:1.001193' } },
    {
      name: 'user_send_image',
      raw: fixture('zalo', 'user_send_image'),
      expect: { text: 'Ảnh căn cước', attachments: [{ kind: 'image', url: 'https://photo-stal-1.zadn.vn/fake/full.jpg' }] },
    },
    {
      name: 'user_send_file',
      raw: fixture('zalo', 'user_send_file'),
      expect: { attachments: [{ kind: 'file', name: 'to-khai.pdf', size: 48213 }] },
    },
    {
      name: 'follow',
      raw: fixture('zalo', 'follow'),
      expect: { event: 'follow', userId: '8890635400000005962', externalId: 'follow:8890635400000005962:1767225840345' },
    },
    { name: 'unfollow', raw: fixture('zalo', 'unfollow'), expect: { event: 'unfollow', userId: '8890635400000005962' } },
    {
      name: 'user_submit_info',
      raw: fixture('zalo', 'user_submit_info'),
      expect: { contact: { phone: '0912345678', verified: true, name: 'Trần Thị Lan' } },
    },
  ],
  unsupported: [
    { name: 'user_seen_message', raw: fixture('zalo', 'user_seen_message') },
    { name: 'user_received_message', raw: fixture('zalo', 'user_received_message') },
    { name: 'oa_send_text', raw: fixture('zalo', 'oa_send_text') },
  ],
  sign: (rawBody) => ({ 'x-zevent-signature': `mac=${signZaloEvent(rawBody.toString('utf8'), APP_ID, OA_SECRET)}` }),
  forged: (rawBody) => {
    const raw = rawBody.toString('utf8');
    const ts = (JSON.parse(raw) as { timestamp: string }).timestamp;
    return [
      { 'x-zevent-signature': signZaloEvent(raw, APP_ID, 'wrong-secret') },
      {
        'x-zevent-signature': createHash('sha256')
          .update(raw + ts + OA_SECRET)
          .digest('hex'),
      },
      { 'x-zevent-signature': 'mac=' },
      { 'x-zevent-signature': 'not-hex' },
    ];
  },
  signatureCoversBody: true,
  textLimit: ZALO_TEXT_LIMIT,
  textsOf: (rendered) =>
    (rendered as ZaloRequest[]).flatMap((r) => (r.kind === 'message' && r.body.message.text ? [r.body.message.text] : [])),
  buttonsOf: (rendered) =>
    (rendered as ZaloRequest[]).flatMap((r) => {
      const att = r.kind === 'message' ? r.body.message.attachment : undefined;
      if (!att || att.type !== 'template' || att.payload.template_type !== 'button') return [];
      return att.payload.buttons.map((b): RenderedButton =>
        b.type === 'oa.open.url'
          ? { label: b.title, url: b.payload.url }
          : { label: b.title, action: b.payload.replace(/^#/, '') },
      );
    }),
}));
