import sharp, { type Metadata } from 'sharp';
import { ValidationError } from '../../core/errors.js';

/**
 * What makes a resident's file a report photo: its first bytes say JPEG, PNG
 * or WebP (the name and the declared type are not believed), it is within the
 * byte limit and the pixel limit, and it decodes. It is then re-encoded by
 * sharp (libvips): the stored file is a fresh image with none of the
 * original's metadata (EXIF with its GPS position, XMP, IPTC, comments) and
 * none of its trailing or embedded bytes, so a polyglot (an image that is
 * also an HTML page or an archive) does not survive. The EXIF orientation is
 * applied to the pixels first, so a phone photo is not shown on its side.
 */

export type PhotoFormat = 'jpeg' | 'png' | 'webp';

export const PHOTO_TYPES: Record<PhotoFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const PHOTO_EXTENSIONS: Record<PhotoFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** Most pixels a photo may have (a 48-megapixel phone photo is 8000×6000); more is a decompression bomb. */
export const MAX_PHOTO_PIXELS = 50_000_000;

export const NOT_AN_IMAGE =
  'Tệp vừa gửi không phải là ảnh hoặc ảnh bị hỏng. Anh/chị vui lòng gửi ảnh chụp dạng JPEG, PNG hoặc WebP.';
export const tooLarge = (maxBytes: number) =>
  `Ảnh quá lớn. Anh/chị vui lòng gửi ảnh dưới ${Math.floor(maxBytes / (1024 * 1024))} MB.`;
export const TOO_MANY_PIXELS = 'Ảnh có kích thước quá lớn. Anh/chị vui lòng chụp lại hoặc gửi ảnh nhỏ hơn.';

/** A file refused as a report photo; `reason` is for logs and tests, the message for the resident. */
export class PhotoRejected extends ValidationError {
  constructor(
    readonly reason: 'not_image' | 'too_large' | 'too_many_pixels',
    message: string,
  ) {
    super(message, { photo: reason }, reason === 'too_large' ? 413 : 422);
    this.name = 'PhotoRejected';
  }
}

/** The format the bytes themselves announce (magic numbers), or undefined. */
export function sniffImage(b: Uint8Array): PhotoFormat | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'png';
  if (
    b.length >= 12 &&
    Buffer.from(b.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(b.subarray(8, 12)).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

export interface CleanPhoto {
  data: Buffer;
  format: PhotoFormat;
  type: string;
  width: number;
  height: number;
}

/** Check a file by its content and re-encode it without metadata; throws {@link PhotoRejected}. */
export async function cleanPhoto(bytes: Buffer, maxBytes: number): Promise<CleanPhoto> {
  if (bytes.length > maxBytes) throw new PhotoRejected('too_large', tooLarge(maxBytes));
  const format = sniffImage(bytes);
  if (!format) throw new PhotoRejected('not_image', NOT_AN_IMAGE);
  const input = () => sharp(bytes, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error', animated: false });
  let meta: Metadata;
  try {
    // The header alone (no pixel limit here: the dimensions are checked below with a clear message).
    meta = await sharp(bytes, { animated: false }).metadata();
  } catch {
    throw new PhotoRejected('not_image', NOT_AN_IMAGE);
  }
  if (meta.format !== format || !meta.width || !meta.height) throw new PhotoRejected('not_image', NOT_AN_IMAGE);
  if (meta.width * meta.height > MAX_PHOTO_PIXELS) throw new PhotoRejected('too_many_pixels', TOO_MANY_PIXELS);
  try {
    // No withMetadata(): sharp writes none of the input's metadata. rotate() applies the EXIF orientation first.
    const { data, info } = await input()
      .rotate()
      .toFormat(format, format === 'png' ? { compressionLevel: 8 } : { quality: 85 })
      .toBuffer({ resolveWithObject: true });
    return { data, format, type: PHOTO_TYPES[format], width: info.width, height: info.height };
  } catch (error) {
    if ((error as Error).message?.includes('pixel limit')) throw new PhotoRejected('too_many_pixels', TOO_MANY_PIXELS);
    throw new PhotoRejected('not_image', NOT_AN_IMAGE);
  }
}
