import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, like } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, localProcedures } from '../../src/db/schema/index.js';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/**
 * The commune's own procedures on the "Thủ tục" console page, in a real
 * browser (Debian's Chromium) on a phone-sized screen: an officer adds one,
 * the bot finds it at once, she edits it and deletes it; a leader may not.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const NAME = 'Đăng ký gửi trẻ nhà trẻ mùa gặt';
const CODE = 'local.dang-ky-gui-tre-nha-tre-mua-gat';
const QUESTION = 'đăng ký gửi trẻ mùa gặt';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

const search = async (q: string) =>
  (
    (await (await fetch(`${env.baseUrl}/api/v1/procedures/search?q=${encodeURIComponent(q)}&limit=3`)).json()) as {
      results: { code: string }[];
    }
  ).results.map((r) => r.code);
const audited = async (action: string) =>
  (
    await env.runtime.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), like(auditLog.subject, 'local.%')))
  ).map((r) => ({ actor: r.actor, subject: r.subject }));

async function askWebChat(page: Page, text: string) {
  await page.fill('#t', text);
  await page.click('form button[type=submit]');
}

describe.runIf(existsSync(CHROMIUM))("the commune's own procedures in the console", () => {
  let officerId: number;

  beforeAll(async () => {
    env = await startTestRuntime();
    const a = env.runtime.defaultCommune.id;
    officerId = (await addStaff(env.runtime.database, 'motcua', 'officer', a, 'Trần Một Cửa')).id;
    await addStaff(env.runtime.database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('an officer adds a procedure of the commune (after a refused form), the bot finds it at once, she edits it, then deletes it', async () => {
    expect(await search(QUESTION)).not.toContain(CODE);
    const page = await browser.newPage({ viewport: PHONE });
    await signInPage(page, env.baseUrl, 'motcua');
    await page.getByRole('link', { name: 'Thủ tục' }).click();
    await page.getByRole('heading', { name: 'Thủ tục riêng của xã' }).waitFor();
    await page.getByText('Xã chưa thêm thủ tục riêng nào.').waitFor();
    await page.getByRole('link', { name: 'Thêm thủ tục của xã' }).click();
    await page.getByRole('heading', { name: 'Thêm thủ tục của xã', level: 1 }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Refused: the same rules as the API, told in Vietnamese, the typed text kept.
    await page.getByLabel('Tên thủ tục').fill('Đk');
    await page.getByLabel('Đường dẫn nộp trực tuyến').fill('dichvucong.gov.vn');
    await page.getByLabel('Giấy tờ cần nộp').fill('Đơn đăng ký gửi trẻ');
    await page.getByLabel('Nộp trực tiếp tại xã').uncheck();
    await page.getByLabel('Phí, lệ phí').fill('Miễn phí');
    await page.getByRole('button', { name: 'Thêm thủ tục' }).click();
    await page.getByText(/Chưa lưu\. Tên thủ tục: tên thủ tục quá ngắn/).waitFor();
    await page
      .getByText(/Đường dẫn nộp trực tuyến: phải là đường dẫn http:\/\/ hoặc https:\/\//)
      .first()
      .waitFor();
    await page.getByText(/Cách nộp: chọn ít nhất một cách nộp/).waitFor();
    expect(await page.getByLabel('Tên thủ tục').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Giấy tờ cần nộp').inputValue()).toBe('Đơn đăng ký gửi trẻ');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Tên thủ tục').fill(NAME);
    await page.getByLabel('Nộp trực tiếp tại xã').check();
    await page.getByLabel('Lĩnh vực').fill('Văn hóa – xã hội');
    await page.getByLabel('Đường dẫn nộp trực tuyến').fill('');
    await page.getByLabel('Giấy tờ cần nộp').fill('Đơn đăng ký gửi trẻ (theo mẫu của xã)\nGiấy khai sinh của trẻ (bản sao)');
    await page
      .getByLabel('Các bước thực hiện')
      .fill('Nộp đơn tại Bộ phận một cửa\nXã xếp lớp và báo lại trong 2 ngày\nĐưa trẻ đến nhà trẻ của ấp');
    await page.getByLabel('Thời hạn giải quyết').fill('2 ngày làm việc');
    await page.getByLabel('Phí, lệ phí').fill('Miễn phí');
    await page.getByLabel('Nơi nộp hồ sơ').fill('Bộ phận một cửa, UBND xã Thử Nghiệm');
    await page.getByLabel('Ghi chú của xã').fill('Chỉ nhận trẻ từ 18 tháng đến 5 tuổi, từ tháng 5 đến tháng 7.');
    await page.getByRole('button', { name: 'Thêm thủ tục' }).click();
    await page.getByText('Đã thêm thủ tục của xã. Trợ lý tìm thấy thủ tục này ngay từ câu hỏi tiếp theo.').waitFor();
    await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
    await page.getByText(`Mã ${CODE}`).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // The search and a resident's web chat find it at once, with the commune's note.
    expect((await search(QUESTION))[0]).toBe(CODE);
    const resident = await browser.newPage({ viewport: { width: 420, height: 860 } });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await askWebChat(resident, QUESTION);
    await resident.getByText(NAME).first().waitFor();
    const answer = await chat(env.baseUrl, { sessionId: 'local-procedure', text: `${QUESTION} cần giấy tờ gì` });
    const said = answer.json.replies.map((r: { text: string }) => r.text).join('\n');
    expect(said).toContain('Giấy khai sinh của trẻ (bản sao)');

    // Edit: the fee changes, the code stays.
    await page.getByRole('link', { name: 'Sửa nội dung' }).click();
    expect(await page.getByLabel('Tên thủ tục').inputValue()).toBe(NAME);
    expect(await page.getByLabel('Ghi chú của xã').inputValue()).toContain('18 tháng');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-local-procedure-phone.png'), fullPage: true });
    await page.getByLabel('Phí, lệ phí').fill('20.000 đồng/tháng tiền ăn');
    await page.getByLabel('Ghi chú của xã').fill('Nhận trẻ từ 18 tháng đến 5 tuổi.');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.getByText('Đã lưu. Trợ lý trả lời theo nội dung mới ngay từ câu hỏi tiếp theo.').waitFor();
    const record = (await (await fetch(`${env.baseUrl}/api/v1/procedures/${CODE}`)).json()) as any;
    expect(record.channels[0]).toMatchObject({ channel: 'truc_tiep', feeText: '20.000 đồng/tháng tiền ăn', feeAmounts: [20000] });
    expect(record.documentGroups[0].documents.map((d: { name: string }) => d.name)).toEqual([
      'Đơn đăng ký gửi trẻ (theo mẫu của xã)',
      'Giấy khai sinh của trẻ (bản sao)',
    ]);
    expect(record.override.note).toBe('Nhận trẻ từ 18 tháng đến 5 tuổi.');
    const fee = await chat(env.baseUrl, { sessionId: 'local-procedure-2', text: `${QUESTION} lệ phí bao nhiêu` });
    expect(fee.json.replies.map((r: { text: string }) => r.text).join('\n')).toContain('20.000 đồng');

    // Delete, after a confirmation page.
    await page.getByRole('link', { name: 'Xóa thủ tục' }).click();
    await page.getByRole('heading', { name: `Xóa thủ tục “${NAME}”?` }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Xóa thủ tục' }).click();
    await page.getByText(`Đã xóa thủ tục “${NAME}”.`).waitFor();
    await page.getByText('Xã chưa thêm thủ tục riêng nào.').waitFor();
    expect(await search(QUESTION)).not.toContain(CODE);
    expect((await fetch(`${env.baseUrl}/api/v1/procedures/${CODE}`)).status).toBe(404);

    const actor = `staff:${officerId}`;
    expect(await audited('procedure.local_created')).toEqual([{ actor, subject: CODE }]);
    expect(await audited('procedure.local_updated')).toEqual([{ actor, subject: CODE }]);
    expect(await audited('procedure.local_deleted')).toEqual([{ actor, subject: CODE }]);
    await Promise.all([page.close(), resident.close()]);
    // Each edit rebuilds the commune's search index (seconds of CPU on a loaded machine).
  }, 240_000);

  it('a leader may not add one (as in the API), and a form without the CSRF token changes nothing', async () => {
    const leader = await browser.newPage({ viewport: PHONE });
    await signInPage(leader, env.baseUrl, 'lanhdao');
    expect(await leader.getByRole('link', { name: 'Thủ tục' }).count()).toBe(0);
    const res = await leader.goto(`${env.baseUrl}/console/procedures/local/new`);
    expect(res?.status()).toBe(403);
    await leader.getByRole('heading', { name: 'Không có quyền' }).waitFor();
    await leader.close();

    const body = new URLSearchParams({ name: 'Thủ tục của lãnh đạo', channels: 'truc_tiep' });
    const leaderSession = await signIn(env.baseUrl, 'lanhdao');
    const asLeader = await fetch(`${env.baseUrl}/console/procedures/local`, {
      method: 'POST',
      headers: { cookie: leaderSession.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: leaderSession.csrf, ...Object.fromEntries(body) }).toString(),
    });
    expect(asLeader.status).toBe(403);
    const apiAsLeader = await fetch(`${env.baseUrl}/api/v1/procedures/local`, {
      method: 'POST',
      headers: { cookie: leaderSession.cookie, 'x-csrf-token': leaderSession.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Thủ tục của lãnh đạo' }),
    });
    expect(apiAsLeader.status).toBe(403);

    const officer = await signIn(env.baseUrl, 'motcua');
    const forged = await fetch(`${env.baseUrl}/console/procedures/local`, {
      method: 'POST',
      headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(forged.status).toBe(403);
    // A line too long in a list box is named, not dropped.
    const tooLong = await fetch(`${env.baseUrl}/console/procedures/local`, {
      method: 'POST',
      headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: officer.csrf, name: 'Thủ tục thử', documents: `Đơn\n${'x'.repeat(1001)}` }).toString(),
    });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain('Giấy tờ cần nộp: mỗi giấy tờ tối đa 1000 ký tự');
    const page = await (await fetch(`${env.baseUrl}/console/procedures`, { headers: { cookie: officer.cookie } })).text();
    expect(page).toContain('Xã chưa thêm thủ tục riêng nào.');
  }, 60_000);

  it('editing in the console keeps what only the API sets (document groups, legal basis, per-channel fees) when that part of the form is left as it was', async () => {
    const officer = await signIn(env.baseUrl, 'motcua');
    const headers = { cookie: officer.cookie, 'x-csrf-token': officer.csrf, 'content-type': 'application/json' };
    const created = await fetch(`${env.baseUrl}/api/v1/procedures/local`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Xin hỗ trợ sửa nhà cho hộ khó khăn',
        documentGroups: [
          { title: 'Hộ nghèo', documents: [{ name: 'Đơn xin hỗ trợ', quantity: '1 bản' }] },
          { title: 'Hộ cận nghèo', documents: [{ name: 'Giấy xác nhận hộ cận nghèo' }] },
        ],
        channels: [
          { channel: 'truc_tiep', timeText: '10 ngày làm việc', feeText: 'Miễn phí' },
          { channel: 'buu_chinh', timeText: '12 ngày làm việc', feeText: 'Cước bưu chính' },
        ],
        legalBasis: [{ title: 'Nghị quyết của HĐND xã (thử nghiệm)' }],
      }),
    });
    expect(created.status).toBe(201);
    const { code } = (await created.json()) as { code: string };
    // The commune's fee over it (an override) must not be written into the record by an edit.
    const override = await fetch(`${env.baseUrl}/api/v1/procedures/${code}/override`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ fee: '5.000 đồng' }),
    });
    expect(override.status).toBe(200);

    const page = await browser.newPage({ viewport: PHONE });
    await signInPage(page, env.baseUrl, 'motcua');
    await page.goto(`${env.baseUrl}/console/procedures/${code}`);
    await page.getByRole('link', { name: 'Sửa nội dung' }).click();
    expect(await page.getByLabel('Giấy tờ cần nộp').inputValue()).toBe('Đơn xin hỗ trợ\nGiấy xác nhận hộ cận nghèo');
    await page.getByLabel('Lĩnh vực').fill('Bảo trợ xã hội');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.getByText('Đã lưu. Trợ lý trả lời theo nội dung mới ngay từ câu hỏi tiếp theo.').waitFor();
    let record = (await (await fetch(`${env.baseUrl}/api/v1/procedures/${code}`)).json()) as any;
    expect(record.field).toBe('Bảo trợ xã hội');
    expect(record.documentGroups.map((g: { title: string }) => g.title)).toEqual(['Hộ nghèo', 'Hộ cận nghèo']);
    expect(record.documentGroups[0].documents[0].quantity).toBe('1 bản');
    expect(record.channels.map((c: { feeText: string }) => c.feeText)).toEqual(['5.000 đồng', '5.000 đồng']);
    const [stored] = await env.runtime.database.db.select().from(localProcedures).where(eq(localProcedures.code, code));
    expect((stored.data as any).channels.map((c: { feeText: string }) => c.feeText)).toEqual(['Miễn phí', 'Cước bưu chính']);
    expect(record.legalBasis).toEqual([{ title: 'Nghị quyết của HĐND xã (thử nghiệm)' }]);

    // Changing the documents makes them one list, as typed.
    await page.getByRole('link', { name: 'Sửa nội dung' }).click();
    await page.getByLabel('Giấy tờ cần nộp').fill('Đơn xin hỗ trợ\nẢnh chụp hiện trạng nhà');
    await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
    await page.getByText('Đã lưu. Trợ lý trả lời theo nội dung mới ngay từ câu hỏi tiếp theo.').waitFor();
    record = (await (await fetch(`${env.baseUrl}/api/v1/procedures/${code}`)).json()) as any;
    expect(record.documentGroups).toEqual([
      { title: '', documents: [{ name: 'Đơn xin hỗ trợ' }, { name: 'Ảnh chụp hiện trạng nhà' }] },
    ]);
    expect(record.legalBasis).toHaveLength(1);
    await page.close();
  }, 240_000);
});
