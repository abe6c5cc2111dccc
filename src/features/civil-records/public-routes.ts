import express, { type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { html, type SafeHtml } from '../../core/html.js';
import { sendHtmlPage, setFileSecurityHeaders } from '../../core/html-page.js';
import type { Db } from '../../db/client.js';
import { TOKEN_RE } from './codes.js';
import { takeDownload, verifyCopy } from './service.js';

// The public side of civil-record copies: the verify page a copy's QR code opens, and one-time download links.

/** Per address, per 10 minutes, on the public verify page and download links (tokens are unguessable; this stops trying). */
export const PUBLIC_LIMIT = { windowMs: 10 * 60_000, limit: 30 };

/**
 * A public page of the verify and download routes: plain, no script, no personal data beyond what a copy prints.
 * Sent with the security headers of every public page (core/html-page.ts: CSP by hash, no framing, nosniff).
 */
function publicPage(res: Response, status: number, title: string, body: SafeHtml): void {
  res.status(status).set({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });
  sendHtmlPage(
    res,
    String(
      html`<!doctype html>
        <html lang="vi">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${title}</title>
            <style>
              body {
                font-family: system-ui, sans-serif;
                max-width: 640px;
                margin: 24px auto;
                padding: 0 16px;
                line-height: 1.5;
              }
              table {
                border-collapse: collapse;
                width: 100%;
              }
              th,
              td {
                text-align: left;
                border-bottom: 1px solid #ddd;
                padding: 6px;
                vertical-align: top;
              }
            </style>
          </head>
          <body>
            ${body}
          </body>
        </html>`,
    ),
  );
}

const tooMany = (_req: Request, res: Response) =>
  publicPage(
    res,
    429,
    'Quá nhiều lần thử',
    html`<h1>Quá nhiều lần thử</h1>
      <p>Anh/chị đã thử quá nhiều lần. Vui lòng thử lại sau ít phút.</p>`,
  );

/**
 * The public side: `/verify/<token>` (what the copy's QR code opens) and
 * `/civil-records/download/<token>` (one-time links), both rate-limited per
 * address. An unknown, revoked, used or expired token gets the same answer.
 */
export function createPublicRoutes(deps: { db: Db }): express.Router {
  const router = express.Router();
  const limiter = () => rateLimit({ ...PUBLIC_LIMIT, standardHeaders: 'draft-7', legacyHeaders: false, handler: tooMany });
  router.get('/verify/:token', limiter(), async (req, res) => {
    const token = String(req.params.token);
    const printed = TOKEN_RE.test(token) ? await verifyCopy(deps.db, token) : undefined;
    if (!printed) {
      publicPage(
        res,
        404,
        'Không xác minh được',
        html`<h1>Không xác minh được bản sao</h1>
          <p>Mã kiểm tra này không có hoặc không còn hiệu lực. Vui lòng liên hệ UBND xã nơi cấp bản sao.</p>`,
      );
      return;
    }
    publicPage(
      res,
      200,
      'Bản sao hợp lệ',
      html`<h1>Bản sao hợp lệ</h1>
        <p>
          Bản sao dưới đây do ${printed.commune} cấp ngày ${printed.issuedOn}. Trang này chỉ hiển thị những gì in trên bản sao.
        </p>
        <h2>${printed.title}</h2>
        <table>
          ${printed.lines.map(
            ([label, value]) =>
              html`<tr>
                <th scope="row">${label}</th>
                <td>${value}</td>
              </tr>`,
          )}
        </table>`,
    );
  });
  router.get('/civil-records/download/:token', limiter(), async (req, res) => {
    const token = String(req.params.token);
    const file = TOKEN_RE.test(token) ? await takeDownload(deps.db, token) : undefined;
    if (!file) {
      publicPage(
        res,
        404,
        'Liên kết không còn hiệu lực',
        html`<h1>Liên kết không còn hiệu lực</h1>
          <p>
            Liên kết tải bản sao chỉ dùng được một lần và có thời hạn. Nếu anh/chị chưa tải được bản sao, vui lòng nhắn "gặp cán
            bộ" trong cuộc trò chuyện với xã.
          </p>`,
      );
      return;
    }
    setFileSecurityHeaders(res);
    res
      .status(200)
      .set({
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="ban-sao-${file.code}.pdf"`,
        'cache-control': 'no-store',
      })
      .send(file.pdf);
  });
  return router;
}
