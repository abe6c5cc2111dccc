import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportPhoto } from '../../db/schema/index.js';
import { cleanPhoto, PHOTO_EXTENSIONS, PHOTO_TYPES, type PhotoFormat } from './photo-image.js';

/**
 * Report photos on disk: one flat directory (REPORT_PHOTOS_DIR, default
 * `<DATA_DIR>/report-photos`, created owner-only), each photo under a random
 * name (144 bits, base64url) with its format's extension, written once and
 * never overwritten. The name is all the database keeps; nothing about the
 * resident, the report or the original file is in it.
 */

/** A stored photo's name: 24 base64url characters and the extension. */
export const PHOTO_FILE = /^[A-Za-z0-9_-]{24}\.(jpg|png|webp)$/;

const TYPE_OF_EXTENSION: Record<string, string> = Object.fromEntries(
  (Object.keys(PHOTO_EXTENSIONS) as PhotoFormat[]).map((f) => [PHOTO_EXTENSIONS[f], PHOTO_TYPES[f]]),
);

/** The media type of a stored photo's name, or undefined for a name that is not one. */
export function typeOfPhotoFile(file: string): string | undefined {
  const m = PHOTO_FILE.exec(file);
  return m ? TYPE_OF_EXTENSION[m[1]] : undefined;
}

export interface PhotoStore {
  readonly dir: string;
  readonly maxBytes: number;
  /** Check, clean and store a file; throws PhotoRejected (nothing written) for one that is not a photo. */
  store(bytes: Buffer, channel: string, now?: Date): Promise<ReportPhoto>;
  /** A stored photo's bytes, or undefined (bad name, missing file). */
  read(file: string): Promise<Buffer | undefined>;
  /** Remove a stored photo (a missing one is fine). */
  remove(file: string): Promise<void>;
  /** Stored names with their modification times. */
  list(): Promise<{ file: string; modifiedAt: Date }[]>;
}

export function createPhotoStore(o: { dir: string; maxBytes: number }): PhotoStore {
  let ready: Promise<unknown> | undefined;
  const ensureDir = () => (ready ??= mkdir(o.dir, { recursive: true, mode: 0o700 }));
  return {
    dir: o.dir,
    maxBytes: o.maxBytes,
    async store(bytes, channel, now = new Date()) {
      const clean = await cleanPhoto(bytes, o.maxBytes);
      await ensureDir();
      const file = `${randomBytes(18).toString('base64url')}.${PHOTO_EXTENSIONS[clean.format]}`;
      await writeFile(join(o.dir, file), clean.data, { flag: 'wx', mode: 0o600 });
      return { channel, state: 'stored', file, type: clean.type, size: clean.data.length, storedAt: now.toISOString() };
    },
    async read(file) {
      if (!PHOTO_FILE.test(file)) return undefined;
      try {
        return await readFile(join(o.dir, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async remove(file) {
      if (!PHOTO_FILE.test(file)) return;
      try {
        await unlink(join(o.dir, file));
      } catch (error) {
        // Already gone is what we wanted.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(o.dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const out: { file: string; modifiedAt: Date }[] = [];
      for (const file of names.filter((n) => PHOTO_FILE.test(n))) {
        const s = await stat(join(o.dir, file)).catch(() => undefined);
        if (s) out.push({ file, modifiedAt: s.mtime });
      }
      return out;
    },
  };
}
