import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { civilRecordCopies, civilRecordDownloads, civilRecordRequests } from '../../src/db/schema/index.js';
import { hashToken, newToken } from '../../src/features/civil-records/codes.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';

// Issue 19 item 9: the public pages and files a resident reaches by a link or a QR code may not be framed by
// another site (clickjacking) nor sniffed as another type, like the web chat page and the posters.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
const verifyToken = newToken();
const downloadToken = newToken();
const expiredToken = newToken();

beforeAll(async () => {
  database = await createTestDatabase();
  env = await startTestRuntime({}, { database });
  const communeId = env.runtime.defaultCommune.id;
  const [request] = await database.db
    .insert(civilRecordRequests)
    .values({
      communeId,
      code: 'BS-TEST22',
      channel: 'web',
      chatId: 'test-chat-headers',
      userId: 'test-user-headers',
      kind: 'birth',
      subjectName: 'Người Thử Nghiệm',
      subjectDate: '2020-03-02',
      relationship: 'self',
      copies: 1,
      deliveryMode: 'chat',
      feeAmount: 8_000,
      consentAt: new Date(),
      status: 'delivered',
    })
    .returning();
  const [copy] = await database.db
    .insert(civilRecordCopies)
    .values({
      communeId,
      requestId: request.id,
      pdfBase64: Buffer.from('%PDF-1.4\n% synthetic test file\n%%EOF\n').toString('base64'),
      printed: {
        title: 'TRÍCH LỤC KHAI SINH (BẢN SAO)',
        lines: [['Họ, chữ đệm, tên', 'Người Thử Nghiệm']],
        commune: 'UBND xã Thử Nghiệm',
        issuedOn: '06/12/2026',
      },
      verifyTokenHash: hashToken(verifyToken),
    })
    .returning();
  await database.db.insert(civilRecordDownloads).values([
    { communeId, copyId: copy.id, tokenHash: hashToken(downloadToken), expiresAt: new Date(Date.now() + 3_600_000) },
    { communeId, copyId: copy.id, tokenHash: hashToken(expiredToken), expiresAt: new Date(Date.now() - 1_000) },
  ]);
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
});

/** What every public response must carry, HTML page or file. */
function expectNoFramingNoSniffing(res: Response) {
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

/** An HTML page: also the policy of every other public page (no script, its own style block by hash only). */
function expectPagePolicy(res: Response) {
  expectNoFramingNoSniffing(res);
  const csp = res.headers.get('content-security-policy')!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'none'");
  expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('the verify page a copy’s QR code opens', () => {
  it('cannot be framed or sniffed when the copy is valid', async () => {
    const res = await fetch(`${env.baseUrl}/verify/${verifyToken}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Bản sao hợp lệ');
    expectPagePolicy(res);
  });

  it('cannot be framed or sniffed for an unknown or malformed token either', async () => {
    for (const token of [newToken(), 'not-a-token']) {
      const res = await fetch(`${env.baseUrl}/verify/${token}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Không xác minh được bản sao');
      expectPagePolicy(res);
    }
  });
});

describe('a one-time download link', () => {
  it('serves the PDF as an attachment that cannot be framed or sniffed', async () => {
    const res = await fetch(`${env.baseUrl}/civil-records/download/${downloadToken}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ban-sao-BS-TEST22.pdf"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expectNoFramingNoSniffing(res);
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('answers an expired or used link with a page that cannot be framed or sniffed', async () => {
    for (const token of [expiredToken, downloadToken]) {
      const res = await fetch(`${env.baseUrl}/civil-records/download/${token}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Liên kết không còn hiệu lực');
      expectPagePolicy(res);
    }
  });

  it('answers too many tries with a page that cannot be framed or sniffed', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 31 && res?.status !== 429; i++) {
      await res?.arrayBuffer();
      res = await fetch(`${env.baseUrl}/civil-records/download/${newToken()}`);
    }
    expect(res!.status).toBe(429);
    expect(await res!.text()).toContain('Quá nhiều lần thử');
    expectPagePolicy(res!);
  });
});
