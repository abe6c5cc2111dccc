import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is a CommonJS bundle whose export is the function and also carries it as `default`.
const jsQR = jsQRModule.default;

/**
 * Decodes the QR code printed on the first page of a PDF, as a phone would
 * see it: the page is rendered to a PNG by poppler's `pdftoppm` and the image
 * (not the PDF's text layer) is read by jsQR. Returns null when no QR code is
 * found.
 */
export function decodeQrOnFirstPage(pdf: Uint8Array, dpi = 150): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'pdf-qr-'));
  writeFileSync(join(dir, 'in.pdf'), pdf);
  execFileSync('pdftoppm', [
    '-png',
    '-r',
    String(dpi),
    '-f',
    '1',
    '-l',
    '1',
    '-singlefile',
    join(dir, 'in.pdf'),
    join(dir, 'page'),
  ]);
  const png = PNG.sync.read(readFileSync(join(dir, 'page.png')));
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  return found?.data ?? null;
}
