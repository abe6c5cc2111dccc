import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../../../src/channels/capabilities.js';
import { checkAttachment, LINK_ONLY, MAX_ATTACHMENT_BYTES, noticeReply } from '../../../../src/features/notices/service.js';

/** Which channel gets a notice's file itself and which a link to it (issue 17 item 2). Synthetic data. */
const notice = { title: 'Thông báo thử', body: 'Nội dung thử.', link: null };
const at = new Date('2026-12-07T01:00:00Z');
const info = (kind: 'image' | 'pdf') => ({
  noticeId: 1,
  kind,
  name: kind === 'pdf' ? 'ke-hoach.pdf' : 'ban-do.png',
  mimeType: kind === 'pdf' ? 'application/pdf' : 'image/png',
  size: 1000,
  token: 'T'.repeat(32),
  url: `https://xa.example.org/notices/files/${'T'.repeat(32)}`,
  createdAt: at,
});
const reply = (channel: string, kind: 'image' | 'pdf', caps = capabilitiesOf(channel)) =>
  noticeReply(notice, at, { channel, caps, info: info(kind) });

describe('a notice with a file, per channel', () => {
  it('Telegram gets the image or the PDF itself, by reference (the outbox reads it before sending)', () => {
    expect(reply('telegram', 'image').file).toEqual({
      name: 'ban-do.png',
      mimeType: 'image/png',
      ref: `notice-attachment:${'T'.repeat(32)}`,
    });
    expect(reply('telegram', 'pdf').file?.mimeType).toBe('application/pdf');
  });

  it('Zalo OA gets a PDF itself, but an image (which its upload refuses) as a link in the text', () => {
    expect(reply('zalo', 'pdf').file?.name).toBe('ke-hoach.pdf');
    const image = reply('zalo', 'image');
    expect(image.file).toBeUndefined();
    expect(image.text).toContain(`Xem ảnh đính kèm: https://xa.example.org/notices/files/${'T'.repeat(32)}`);
  });

  it('Zalo Bot (no files) gets the address in the text; the web chat a button relative to its page, never the bytes', () => {
    expect(reply('zalobot', 'pdf').text).toContain('Xem tệp đính kèm (PDF): https://xa.example.org/notices/files/');
    const web = reply('web', 'image');
    expect(web.file).toBeUndefined();
    expect(web.buttons).toEqual([{ label: 'Xem ảnh đính kèm', url: `notices/files/${'T'.repeat(32)}` }]);
  });

  it('without the platforms’ capabilities every channel gets a link', () => {
    expect(reply('telegram', 'pdf', LINK_ONLY('telegram')).file).toBeUndefined();
    expect(reply('telegram', 'pdf', LINK_ONLY('telegram')).text).toContain('https://xa.example.org/notices/files/');
  });
});

describe('checking an attachment by its content', () => {
  it('takes a PDF by its %PDF- signature whatever it is called', async () => {
    const f = await checkAttachment(Buffer.from('%PDF-1.7\n%%EOF'), 'Kế hoạch: chi trả.docx');
    expect(f).toMatchObject({ kind: 'pdf', mimeType: 'application/pdf', name: 'Kế hoạch chi trả.pdf' });
  });

  it('re-encodes a JPEG without its metadata', async () => {
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0a0' } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Artist: 'Synthetic' } } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const f = await checkAttachment(jpeg);
    expect(f).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', name: 'thong-bao.jpg' });
    expect((await sharp(f.data).metadata()).exif).toBeUndefined();
  });

  it('refuses other files (415), damaged images (422) and more than 5 MB (413)', async () => {
    await expect(checkAttachment(Buffer.from('<svg/>'))).rejects.toMatchObject({ status: 415 });
    await expect(checkAttachment(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).rejects.toMatchObject({
      status: 422,
    });
    await expect(checkAttachment(Buffer.alloc(MAX_ATTACHMENT_BYTES + 1))).rejects.toMatchObject({ status: 413 });
  });
});
