import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { ChannelError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Database } from '../../../src/db/client.js';
import { auditLog, communes, reports, type ReportPhoto } from '../../../src/db/schema/index.js';
import { cleanPhoto, PhotoRejected, sniffImage } from '../../../src/features/reports/photo-image.js';
import { createReportPhotos, type ReportPhotos } from '../../../src/features/reports/photos.js';
import { downloadPendingPhotos, MAX_ATTEMPTS } from '../../../src/features/reports/photo-worker.js';
import { createTestDatabase } from '../../helpers/db.js';
import { GPS_LATITUDE, jpegWithGps } from '../../helpers/reports-jpeg.js';

const NOW = new Date('2026-12-06T03:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const latitudeBytes = Buffer.from(GPS_LATITUDE.flatMap((v) => [v, 0, 0, 0, 1, 0, 0, 0]));

describe('a report photo is checked by its content and cleaned', () => {
  it('strips the EXIF block with its GPS position from a JPEG', async () => {
    const input = await jpegWithGps();
    expect((await sharp(input).metadata()).exif?.length).toBeGreaterThan(0);
    expect(input.includes(latitudeBytes)).toBe(true);
    const out = await cleanPhoto(input, 10_000_000);
    expect(out.type).toBe('image/jpeg');
    expect((await sharp(out.data).metadata()).exif).toBeUndefined();
    expect(out.data.includes(Buffer.from('Exif'))).toBe(false);
    expect(out.data.includes(latitudeBytes)).toBe(false);
  });

  it('keeps PNG and WebP as they are, and drops what a polyglot hides after the image', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
      .png()
      .toBuffer();
    const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00a' } })
      .webp()
      .toBuffer();
    expect((await cleanPhoto(png, 1e6)).type).toBe('image/png');
    expect((await cleanPhoto(webp, 1e6)).type).toBe('image/webp');
    const polyglot = Buffer.concat([await jpegWithGps(), Buffer.from('<html><script>alert(1)</script></html>')]);
    expect((await cleanPhoto(polyglot, 1e6)).data.includes(Buffer.from('<script>'))).toBe(false);
  });

  it.each([
    ['a text file', Buffer.from('Xin chào, đây không phải ảnh'), 'not_image'],
    ['an HTML page named .jpg', Buffer.from('<!doctype html><script>alert(1)</script>'), 'not_image'],
    ['a truncated JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]), 'not_image'],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'not_image'],
  ])('refuses %s', async (_what, bytes, reason) => {
    await expect(cleanPhoto(bytes, 1e6)).rejects.toMatchObject({ reason });
  });

  it('refuses a file over the size limit and an image over the pixel limit', async () => {
    const jpeg = await jpegWithGps();
    await expect(cleanPhoto(jpeg, jpeg.length - 1)).rejects.toMatchObject({ reason: 'too_large', status: 413 });
    const huge = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: '#fff' } })
      .jpeg({ quality: 10 })
      .toBuffer();
    await expect(cleanPhoto(huge, 20_000_000)).rejects.toMatchObject({ reason: 'too_many_pixels' });
  });

  it('reads the format from the bytes only', async () => {
    expect(sniffImage(await jpegWithGps())).toBe('jpeg');
    expect(sniffImage(Buffer.from('RIFF0000WEBPVP8 '))).toBe('webp');
    expect(sniffImage(Buffer.from('hello'))).toBeUndefined();
  });
});

describe('platform photos are downloaded off the chat path, and erased after the retention period', () => {
  let database: Database;
  let communeId: number;
  let dir: string;
  let photos: ReportPhotos;
  let downloads: { bytes?: Buffer; error?: Error } = {};
  let n = 0;

  async function report(p: ReportPhoto[], extra: Partial<typeof reports.$inferInsert> = {}) {
    n += 1;
    const [row] = await database.db
      .insert(reports)
      .values({
        communeId,
        code: `PA-PHT${String(n).padStart(3, '0')}`,
        channel: 'telegram',
        chatId: `53000000${n}`,
        userId: `53000000${n}`,
        category: 'rubbish',
        description: 'Rác đổ trộm ở đầu thôn Thử',
        photos: p,
        ...extra,
      })
      .returning();
    return row;
  }
  const reload = async (id: number) => (await database.db.select().from(reports).where(eq(reports.id, id)))[0];
  const files = async () => (await readdir(dir).catch(() => [])).sort();

  beforeAll(async () => {
    database = await createTestDatabase();
    [{ id: communeId }] = await database.db.insert(communes).values({ slug: 'xa-anh-thu', name: 'Xã Ảnh Thử' }).returning();
    dir = await mkdtemp(join(tmpdir(), 'report-photos-'));
    photos = createReportPhotos({
      db: database.db,
      log: silentLogger,
      dir,
      maxBytes: 2_000_000,
      retentionDays: 365,
      download: async () => {
        if (downloads.error) throw downloads.error;
        return downloads.bytes!;
      },
    });
  });
  afterAll(async () => {
    await photos.stop();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a waiting Telegram photo cleaned, under a random name, and drops the platform reference', async () => {
    downloads = { bytes: await jpegWithGps() };
    const r = await report([{ channel: 'telegram', state: 'pending', fileId: 'AgAC-photo-1' }]);
    expect(await photos.downloadNow(NOW)).toEqual({ stored: 1, failed: 0 });
    const [p] = (await reload(r.id)).photos;
    expect(p).toMatchObject({ channel: 'telegram', state: 'stored', type: 'image/jpeg', storedAt: NOW.toISOString() });
    expect(p.fileId).toBeUndefined();
    expect(p.file).toMatch(/^[A-Za-z0-9_-]{24}\.jpg$/);
    expect(await files()).toEqual([p.file]);
    const stored = (await photos.store.read(p.file!))!;
    expect(stored.length).toBe(p.size);
    expect(stored.includes(latitudeBytes)).toBe(false);
    expect((await reload(r.id)).updatedAt).toEqual(r.updatedAt);
  });

  it('keeps the reference and retries later when the download fails; gives up after the last attempt', async () => {
    downloads = { error: new ChannelError('network', 'timeout', 'timed out', true) };
    const r = await report([{ channel: 'zalo', state: 'pending', url: 'https://photo.example/x.jpg' }]);
    await photos.downloadNow(NOW);
    let [p] = (await reload(r.id)).photos;
    expect(p).toMatchObject({ state: 'pending', url: 'https://photo.example/x.jpg', attempts: 1 });
    expect(new Date(p.nextAttemptAt!).getTime()).toBe(NOW.getTime() + 60_000);
    // Not due yet: nothing happens.
    await photos.downloadNow(new Date(NOW.getTime() + 30_000));
    expect((await reload(r.id)).photos[0].attempts).toBe(1);
    // Due: the download succeeds.
    downloads = {
      bytes: await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } })
        .png()
        .toBuffer(),
    };
    await photos.downloadNow(new Date(NOW.getTime() + 61_000));
    [p] = (await reload(r.id)).photos;
    expect(p).toMatchObject({ state: 'stored', type: 'image/png' });
    expect(p.url).toBeUndefined();

    downloads = { error: new ChannelError('network', 'network', 'down', true) };
    const gone = await report([
      { channel: 'zalo', state: 'pending', url: 'https://photo.example/y.jpg', attempts: MAX_ATTEMPTS - 1 },
    ]);
    await photos.downloadNow(NOW);
    expect((await reload(gone.id)).photos[0]).toMatchObject({ state: 'failed', url: 'https://photo.example/y.jpg' });
  });

  it('a photo not due yet does not hold up the next report in the queue', async () => {
    const later = new Date(NOW.getTime() + 3_600_000).toISOString();
    const waiting = await report([
      { channel: 'zalo', state: 'pending', url: 'https://photo.example/w.jpg', attempts: 2, nextAttemptAt: later },
    ]);
    const ready = await report([{ channel: 'telegram', state: 'pending', fileId: 'AgAC-ready' }]);
    downloads = { bytes: await jpegWithGps() };
    const r = await downloadPendingPhotos({
      db: database.db,
      store: photos.store,
      download: async () => downloads.bytes!,
      log: silentLogger,
      now: NOW,
      limit: 1,
    });
    expect(r.stored).toBe(1);
    expect((await reload(ready.id)).photos[0].state).toBe('stored');
    expect((await reload(waiting.id)).photos[0]).toMatchObject({ state: 'pending', attempts: 2 });
  });

  it('does not retry a file that is not an image, and writes nothing for it', async () => {
    const before = await files();
    downloads = { bytes: Buffer.from('<html>not a photo</html>') };
    const r = await report([{ channel: 'telegram', state: 'pending', fileId: 'AgAC-html' }]);
    expect(await photos.downloadNow(NOW)).toEqual({ stored: 0, failed: 1 });
    expect((await reload(r.id)).photos[0]).toMatchObject({ state: 'failed', error: 'not_image', fileId: 'AgAC-html' });
    expect(await files()).toEqual(before);
    expect(PhotoRejected).toBeDefined();
  });

  it('erases the photos of reports closed more than 365 days ago, and only those, audited without personal data', async () => {
    const old = await photos.store.store(await jpegWithGps(), 'web', daysAgo(400));
    const recent = await photos.store.store(await jpegWithGps(), 'web', daysAgo(400));
    const open = await photos.store.store(await jpegWithGps(), 'web', daysAgo(400));
    const closedLongAgo = await report([old, { channel: 'telegram', state: 'failed', fileId: 'AgAC-old' }], {
      status: 'done',
      updatedAt: daysAgo(366),
    });
    const closedRecently = await report([recent], { status: 'not_ours', referral: 'Công an xã', updatedAt: daysAgo(364) });
    const stillOpen = await report([open], { status: 'in_progress', updatedAt: daysAgo(500) });

    const result = await photos.eraseNow(NOW);
    expect(result.reports).toBe(1);
    const erased = (await reload(closedLongAgo.id)).photos;
    expect(erased).toEqual([
      { channel: 'web', state: 'erased', erasedAt: NOW.toISOString() },
      { channel: 'telegram', state: 'erased', erasedAt: NOW.toISOString() },
    ]);
    const left = await files();
    expect(left).not.toContain(old.file);
    expect(left).toEqual(expect.arrayContaining([recent.file, open.file]));
    expect((await reload(closedRecently.id)).photos[0].state).toBe('stored');
    expect((await reload(stillOpen.id)).photos[0].state).toBe('stored');
    const [entry] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'report.photos-erased'), eq(auditLog.subject, closedLongAgo.code)));
    expect(entry).toMatchObject({ actor: 'system', communeId, details: { photos: 2, retentionDays: 365 } });
    expect(JSON.stringify(entry.details)).not.toMatch(/AgAC|jpg|Rác/);
    // A second pass finds nothing more.
    expect((await photos.eraseNow(NOW)).reports).toBe(0);
  });

  it('sweeps stored files no report refers to once they are a day old (an abandoned web upload)', async () => {
    const abandoned = await photos.store.store(await jpegWithGps(), 'web');
    const fresh = await photos.store.store(await jpegWithGps(), 'web');
    const past = daysAgo(2);
    await utimes(join(dir, abandoned.file!), past, past);
    const { unreferenced } = await photos.eraseNow(NOW);
    expect(unreferenced).toBe(1);
    const left = await files();
    expect(left).not.toContain(abandoned.file);
    expect(left).toContain(fresh.file);
  });
});
