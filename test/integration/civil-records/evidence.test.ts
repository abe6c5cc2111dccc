import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName, InboundAttachment, Reply } from '../../../src/core/types.js';
import { auditLog, civilRecordRequestAttachments, civilRecordRequests } from '../../../src/db/schema/index.js';
import { civilRecordsModule, eraseRequestData } from '../../../src/features/civil-records/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';
import { sweepUnreferencedPhotos } from '../../../src/features/reports/photo-retention.js';
import { createPhotoStore, type PhotoStore } from '../../../src/features/reports/photo-store.js';
import { readEvidence } from '../../../src/features/civil-records/evidence-files.js';
import { silentLogger } from '../../../src/core/logger.js';

const SKIP = 'Bỏ qua, tôi mang bản giấy khi nhận';
const PDF: InboundAttachment = { kind: 'file', fileId: 'BQACAgUAAx-synthetic-pdf-1', name: 'giay-uy-quyen.pdf', size: 182_000 };
const PHOTO: InboundAttachment = { kind: 'image', fileId: 'AgACAgUAAx-synthetic-photo-1', size: 95_000 };

let h: HandlerHarness;
beforeAll(async () => {
  h = await createHandlerHarness({ modules: [civilRecordsModule] });
}, 60_000);
afterAll(() => h?.close());

const labels = (r: Reply[]) => (r.at(-1)?.buttons ?? []).map((b) => b.label);
const text = (r: Reply[]) => r.map((x) => x.text).join('\n');

/** The form up to the relationship, answered as `relationship`. */
async function upToRelationship(chatId: string, relationship: string, channel: ChannelName = 'telegram') {
  const send = (input: Parameters<HandlerHarness['send']>[0]) => h.send(input, { chatId, channel });
  await send('xin bản sao giấy khai sinh');
  await send('Nguyễn Văn Thử');
  await send('02/03/2020');
  await send({ action: 'civil:pick:none' });
  return { send, asked: await send({ action: `civil:pick:${relationship}` }) };
}

/** The rest of the form after the CCCD question, to the filed request. */
async function finish(send: (input: Parameters<HandlerHarness['send']>[0]) => Promise<Reply[]>) {
  await send('001085000777');
  await send('0912345678');
  await send({ action: 'civil:pick:1' });
  await send({ action: 'civil:pick:counter' });
  const summary = await send({ action: 'civil:pick:yes' }).then(() => send({ action: 'civil:pick:yes' }));
  const code = /BS-[A-Z0-9]{6}/.exec(text(summary))![0];
  const [row] = await h.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
  return row;
}

const attachmentsOf = (requestId: number) =>
  h.db.select().from(civilRecordRequestAttachments).where(eq(civilRecordRequestAttachments.requestId, requestId));
const auditOf = async (code: string) =>
  (await h.db.select().from(auditLog).where(eq(auditLog.subject, code))).map((a) => [a.action, a.details]);

describe('evidence for a copy request, in the chat', () => {
  it('asks an authorised person for the letter, re-prompts a text, and files the PDF with the request', async () => {
    const { send, asked } = await upToRelationship('ev-1', 'authorised');
    expect(text(asked)).toContain('Anh/chị gửi ảnh chụp hoặc tệp PDF văn bản ủy quyền');
    expect(labels(asked)).toEqual([SKIP, 'Hủy yêu cầu']);
    expect(asked.at(-1)?.requestImage).toBe(true);

    const again = await send('001085000777');
    expect(text(again)).toContain('Tôi chưa nhận được ảnh hoặc tệp PDF nào');
    expect(labels(again)).toEqual([SKIP, 'Hủy yêu cầu']);

    const word = await send({ attachments: [{ kind: 'file', fileId: 'BQAC-synthetic-docx', name: 'uy-quyen.docx' }] });
    expect(text(word)).toContain('Tôi chỉ nhận ảnh chụp hoặc tệp PDF');

    expect(text(await send({ attachments: [PDF] }))).toContain('số căn cước (CCCD)');
    // A second page sent before the CCCD joins the first.
    expect(text(await send({ attachments: [PHOTO] }))).toContain('Đã nhận thêm giấy tờ (2 tệp)');
    await send('001085000777');
    await send('0912345678');
    await send({ action: 'civil:pick:1' });
    await send({ action: 'civil:pick:counter' });
    const summary = await send({ action: 'civil:pick:yes' });
    expect(text(summary)).toContain('• Giấy tờ kèm theo: 1 ảnh, 1 tệp PDF');
    const done = await send({ action: 'civil:pick:yes' });
    const code = /BS-[A-Z0-9]{6}/.exec(text(done))![0];
    const [row] = await h.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));

    expect(await attachmentsOf(row.id)).toEqual([
      expect.objectContaining({ kind: 'pdf', mimeType: 'application/pdf', fileId: PDF.fileId, name: PDF.name, size: 182_000 }),
      expect.objectContaining({ kind: 'image', mimeType: 'image/jpeg', fileId: PHOTO.fileId, channel: 'telegram' }),
    ]);
    expect(await auditOf(code)).toContainEqual([
      'civil-request.evidence-attached',
      {
        files: [
          { kind: 'pdf', mimeType: 'application/pdf', size: 182_000 },
          { kind: 'image', mimeType: 'image/jpeg', size: 95_000 },
        ],
      },
    ]);

    // Erasing the request's personal data erases its evidence.
    expect(await eraseRequestData(h.db, { communeId: h.commune.id, id: row.id, actor: 'staff:test' })).toBe(true);
    expect(await attachmentsOf(row.id)).toEqual([]);
  });

  it('lets a relative say they will bring the paper, and records that nothing was attached', async () => {
    const { send, asked } = await upToRelationship('ev-2', 'relative');
    expect(text(asked)).toContain('giấy tờ chứng minh quan hệ');
    expect(text(await send({ action: 'civil:pick:skip' }))).toContain('số căn cước (CCCD)');
    const row = await finish(send);
    expect(await attachmentsOf(row.id)).toEqual([]);
    expect(await auditOf(row.code)).toContainEqual(['civil-request.evidence-missing', { reason: 'bring-paper' }]);
  });

  it('takes a typed "bỏ qua" at this step as skipping it, not as cancelling the whole request', async () => {
    const { send } = await upToRelationship('ev-typed-skip', 'relative');
    expect(text(await send({ text: 'bỏ qua' }))).toContain('số căn cước (CCCD)');
    const row = await finish(send);
    expect(await auditOf(row.code)).toContainEqual(['civil-request.evidence-missing', { reason: 'bring-paper' }]);
  });

  it('does not ask on a channel that carries no files, and says why', async () => {
    const { send, asked } = await upToRelationship('ev-3', 'agency', 'cli');
    expect(text(asked)).toContain('Kênh nhắn tin này chưa hỗ trợ gửi tệp');
    expect(text(asked)).toContain('số căn cước (CCCD)');
    const row = await finish(send);
    expect(await auditOf(row.code)).toContainEqual(['civil-request.evidence-missing', { reason: 'channel-without-files' }]);
  });

  it('takes a photo uploaded in the web chat (already stored by its route) by its stored name', async () => {
    const { send, asked } = await upToRelationship('ev-web', 'relative', 'web');
    expect(asked.at(-1)?.requestImage).toBe(true);
    await send({ attachments: [{ kind: 'image', fileId: '3f2a9c1e-synthetic.png', size: 50_000, stored: true }] });
    const row = await finish(send);
    expect(await attachmentsOf(row.id)).toEqual([
      expect.objectContaining({
        channel: 'web',
        kind: 'image',
        mimeType: 'image/png',
        stored: true,
        fileId: '3f2a9c1e-synthetic.png',
      }),
    ]);
    // The report photos' sweep of unreferenced files shares that folder: it must keep the evidence.
    const removed: string[] = [];
    const old = new Date('2000-01-01T00:00:00Z');
    const store = {
      list: async () => [
        { file: '3f2a9c1e-synthetic.png', modifiedAt: old },
        { file: 'bb0c11de-orphan.png', modifiedAt: old },
      ],
      remove: async (file: string) => void removed.push(file),
    } as unknown as PhotoStore;
    await sweepUnreferencedPhotos(h.db, store);
    expect(removed).toEqual(['bb0c11de-orphan.png']);
  });

  it('never takes a "stored" file from another channel than the web chat (only its upload route stores one)', async () => {
    const { send } = await upToRelationship('ev-claim', 'relative');
    await send({ attachments: [{ kind: 'image', fileId: 'someone-elses-report-photo.png', size: 50_000, stored: true }] });
    const row = await finish(send);
    expect(await attachmentsOf(row.id)).toEqual([expect.objectContaining({ channel: 'telegram', stored: false })]);
    // Opened by a reviewer, it is asked of Telegram by its reference, never read from the web chat's folder.
    const [a] = await attachmentsOf(row.id);
    const asked: unknown[] = [];
    const e = await readEvidence(
      {
        db: h.db,
        log: silentLogger,
        evidenceStore: { read: async () => Buffer.from('someone else’s photo') },
        downloadMedia: async (ref) => {
          asked.push(ref);
          throw Object.assign(new Error('Bad Request: file not found'), { retryable: false, code: 'not_found' });
        },
      },
      { communeId: row.communeId, requestId: row.id, attachmentId: a.id },
    );
    expect(e).toMatchObject({ ok: false, reason: 'gone', channel: 'telegram' });
    expect(asked).toEqual([{ communeId: row.communeId, channel: 'telegram', fileId: 'someone-elses-report-photo.png' }]);
  });

  it('gives the reviewer a web chat upload from the photo store, and nothing to another commune', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-store-'));
    try {
      const store = createPhotoStore({ dir, maxBytes: 1_000_000 });
      const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#336699' } })
        .png()
        .toBuffer();
      const stored = await store.store(png, 'web');
      const { send } = await upToRelationship('ev-web-read', 'relative', 'web');
      await send({ attachments: [{ kind: 'image', fileId: stored.file!, size: stored.size, stored: true }] });
      const row = await finish(send);
      const [a] = await attachmentsOf(row.id);
      const deps = { db: h.db, log: silentLogger, evidenceStore: store };
      const e = await readEvidence(deps, { communeId: row.communeId, requestId: row.id, attachmentId: a.id });
      expect(e).toMatchObject({ ok: true, type: 'image/png', disposition: 'inline' });
      expect(e.ok && (await sharp(e.bytes).metadata())).toMatchObject({ width: 20, height: 10 });
      const elsewhere = await readEvidence(deps, { communeId: row.communeId + 999, requestId: row.id, attachmentId: a.id });
      expect(elsewhere).toEqual({ ok: false, reason: 'not_found' });
      // Once the stored file is gone (erased by retention), the reviewer is told so.
      await store.remove(stored.file!);
      expect(await readEvidence(deps, { communeId: row.communeId, requestId: row.id, attachmentId: a.id })).toMatchObject({
        ok: false,
        reason: 'gone',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('asks no document of the person themself or a parent', async () => {
    for (const [chatId, relationship] of [
      ['ev-4', 'self'],
      ['ev-5', 'guardian'],
    ]) {
      const { send, asked } = await upToRelationship(chatId, relationship);
      expect(text(asked)).not.toContain('ảnh chụp hoặc tệp PDF');
      expect(text(asked)).toContain('số căn cước (CCCD)');
      const row = await finish(send);
      expect((await auditOf(row.code)).map(([action]) => action)).not.toContain('civil-request.evidence-missing');
    }
  });
});
