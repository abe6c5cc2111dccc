import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';

const require = createRequire(import.meta.url);
/** Noto Sans (OFL) from a registry package: every Vietnamese letter and tone mark, as TrueType pdf-lib can embed. */
const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'),
};
/**
 * Glyph substitutions off: with them, fontkit shapes a precomposed letter such as "ị" into a base glyph
 * and a combining mark, and the PDF's text layer (ToUnicode) then reads "i" or turns every "o" into "ọ".
 * Noto Sans has a precomposed glyph for every Vietnamese letter, so nothing is lost.
 */
const TEXT_FEATURES = { ccmp: false, locl: false, liga: false, clig: false, calt: false, rlig: false };
let fontBytes: { regular: Buffer; bold: Buffer } | undefined;
function fonts() {
  fontBytes ??= { regular: readFileSync(FONT_FILES.regular), bold: readFileSync(FONT_FILES.bold) };
  return fontBytes;
}

/** What a copy prints, and where its QR code points. */
export interface CopyContent {
  title: string;
  lines: [string, string][];
  /** Issuing commune, e.g. "UBND xã Thử Nghiệm". */
  commune: string;
  province: string;
  /** dd/MM/yyyy */
  issuedOn: string;
  requestCode: string;
  verifyUrl: string;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56;

function centered(page: PDFPage, text: string, y: number, font: PDFFont, size: number): void {
  const w = font.widthOfTextAtSize(text, size);
  page.drawText(text, { x: (A4.width - w) / 2, y, size, font, color: rgb(0, 0, 0) });
}

/** Split text into lines that fit `width` at `size`. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/**
 * The copy of an extract as a one-page A4 PDF: the national header, the
 * title, the record's fields, the issuing commune and date, and a QR code to
 * the verify page. Fonts are embedded (subset), so the text renders and
 * extracts the same on any reader.
 */
export async function renderCopyPdf(c: CopyContent): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(`${c.title} - ${c.requestCode}`);
  doc.setCreator('Trợ lý Xã');
  doc.setProducer('Trợ lý Xã');
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const { regular: regularBytes, bold: boldBytes } = fonts();
  const regular = await doc.embedFont(regularBytes, { subset: false, features: TEXT_FEATURES });
  const bold = await doc.embedFont(boldBytes, { subset: false, features: TEXT_FEATURES });
  const page = doc.addPage([A4.width, A4.height]);

  let y = A4.height - MARGIN;
  // Left: the issuing body; right: the national motto (the layout of civil-status forms).
  const leftX = MARGIN;
  page.drawText(c.commune.toUpperCase(), { x: leftX, y, size: 10, font: bold });
  page.drawText(c.province, { x: leftX, y: y - 14, size: 10, font: regular });
  const nation = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
  const motto = 'Độc lập - Tự do - Hạnh phúc';
  const rightCenter = A4.width - MARGIN - bold.widthOfTextAtSize(nation, 10) / 2;
  page.drawText(nation, { x: rightCenter - bold.widthOfTextAtSize(nation, 10) / 2, y, size: 10, font: bold });
  page.drawText(motto, { x: rightCenter - bold.widthOfTextAtSize(motto, 10.5) / 2, y: y - 14, size: 10.5, font: bold });
  const mw = bold.widthOfTextAtSize(motto, 10.5);
  page.drawLine({
    start: { x: rightCenter - mw / 2, y: y - 17 },
    end: { x: rightCenter + mw / 2, y: y - 17 },
    thickness: 0.6,
  });

  y -= 70;
  centered(page, c.title, y, bold, 16);
  y -= 18;
  centered(page, `Mã yêu cầu: ${c.requestCode}`, y, regular, 10);
  y -= 34;

  const labelWidth = 210;
  const valueWidth = A4.width - 2 * MARGIN - labelWidth;
  for (const [label, value] of c.lines) {
    const rows = wrap(value, bold, 11.5, valueWidth);
    page.drawText(`${label}:`, { x: MARGIN, y, size: 11, font: regular });
    rows.forEach((row, i) => page.drawText(row, { x: MARGIN + labelWidth, y: y - i * 15, size: 11.5, font: bold }));
    y -= 15 * Math.max(1, rows.length) + 8;
  }

  y -= 16;
  const sign = `${c.commune}, ngày ${c.issuedOn}`;
  page.drawText(sign, { x: A4.width - MARGIN - regular.widthOfTextAtSize(sign, 11), y, size: 11, font: regular });
  y -= 16;
  const note = 'Bản sao điện tử cấp từ Cơ sở dữ liệu hộ tịch';
  page.drawText(note, { x: A4.width - MARGIN - regular.widthOfTextAtSize(note, 10), y, size: 10, font: regular });

  // The QR code and how to check the copy, at the foot of the page.
  const png = await QRCode.toBuffer(c.verifyUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 300 });
  const qr = await doc.embedPng(png);
  const qrSize = 110;
  page.drawImage(qr, { x: MARGIN, y: MARGIN, width: qrSize, height: qrSize });
  const help = [
    'Quét mã QR để kiểm tra bản sao là thật:',
    'trang kiểm tra chỉ hiển thị đúng những thông tin in trên bản sao này.',
    c.verifyUrl,
  ];
  help.forEach((t, i) =>
    wrap(t, regular, 9, A4.width - 2 * MARGIN - qrSize - 14).forEach((row, j) =>
      page.drawText(row, { x: MARGIN + qrSize + 14, y: MARGIN + qrSize - 14 - (i * 2 + j) * 12, size: 9, font: regular }),
    ),
  );
  return doc.save();
}
