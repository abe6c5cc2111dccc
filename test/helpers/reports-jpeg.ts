import sharp from 'sharp';

/** The GPS position written into {@link jpegWithGps}: 10°46'37" N, 106°42'3" E (a made-up point in Saigon). */
export const GPS_LATITUDE = [10, 46, 37];

/**
 * A small synthetic JPEG with an EXIF block (APP1) whose GPS IFD holds a
 * latitude and a longitude, built byte by byte so the test does not depend on
 * the library under test to write it.
 */
export async function jpegWithGps(): Promise<Buffer> {
  const base = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .jpeg()
    .toBuffer();
  const tiff = Buffer.alloc(128);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  // IFD0: one entry, GPSInfo (0x8825) pointing at the GPS IFD.
  tiff.writeUInt16LE(1, 8);
  entry(tiff, 10, 0x8825, 4, 1, 26);
  tiff.writeUInt32LE(0, 22);
  // GPS IFD at 26: GPSLatitudeRef, GPSLatitude, GPSLongitudeRef, GPSLongitude.
  tiff.writeUInt16LE(4, 26);
  entry(tiff, 28, 0x0001, 2, 2, 0x4e);
  entry(tiff, 40, 0x0002, 5, 3, 80);
  entry(tiff, 52, 0x0003, 2, 2, 0x45);
  entry(tiff, 64, 0x0004, 5, 3, 104);
  tiff.writeUInt32LE(0, 76);
  rationals(tiff, 80, GPS_LATITUDE);
  rationals(tiff, 104, [106, 42, 3]);
  const header = Buffer.from('Exif\0\0', 'latin1');
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + header.length + tiff.length, 2);
  return Buffer.concat([base.subarray(0, 2), app1, header, tiff, base.subarray(2)]);
}

function entry(b: Buffer, at: number, tag: number, type: number, count: number, value: number) {
  b.writeUInt16LE(tag, at);
  b.writeUInt16LE(type, at + 2);
  b.writeUInt32LE(count, at + 4);
  b.writeUInt32LE(value, at + 8);
}

function rationals(b: Buffer, at: number, values: number[]) {
  values.forEach((v, i) => {
    b.writeUInt32LE(v, at + i * 8);
    b.writeUInt32LE(1, at + i * 8 + 4);
  });
}
