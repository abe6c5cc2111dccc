import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime();
}, 120_000);
afterAll(async () => env?.close());

async function say(session: string, body: { text?: string; action?: string }) {
  const r = await chat(env.baseUrl, { sessionId: `proc-session-${session}`, ...body });
  expect(r.status).toBe(200);
  return r.json.replies as { text: string; buttons?: { label: string; action?: string; url?: string }[] }[];
}

describe('procedure guidance in the chat (real catalog)', () => {
  it('answers a plain question with the plain commune-level procedure and detail buttons', async () => {
    const [r] = await say('a', { text: 'làm giấy khai sinh cho con cần gì' });
    expect(r.text).toContain('Thủ tục đăng ký khai sinh');
    expect(r.text).toContain('1.001193');
    expect(r.text).not.toMatch(/nước ngoài|lưu động/);
    expect(r.text).toMatch(/Lệ phí/);
    expect(r.text).toMatch(/Thời hạn/);
    expect(r.text).toMatch(/Nguồn: Cơ sở dữ liệu quốc gia về thủ tục hành chính, cập nhật ngày \d{2}\/\d{2}\/\d{4}\./);
    const actions = r.buttons!.map((b) => b.action);
    expect(actions).toContain('proc:docs:1.001193');
    expect(actions).toContain('proc:steps:1.001193');
    expect(r.buttons!.some((b) => b.url?.startsWith('https://dichvucong.gov.vn/'))).toBe(true);
  });

  it('answers the field asked first, then the summary', async () => {
    const replies = await say('field', { text: 'đăng ký khai tử phí bao nhiêu vậy' });
    expect(replies).toHaveLength(2);
    expect(replies[0].text).toMatch(/^💰 Lệ phí thủ tục "Đăng ký khai tử"/);
    expect(replies[1].text).toContain('1.000656');
  });

  it('takes a correction: "không phải, ý tôi là …" answers the new question', async () => {
    await say('corr', { text: 'đăng ký khai sinh' });
    const [r] = await say('corr', { text: 'Không phải, ý tôi là đăng ký khai tử' });
    expect(r.text).toContain('1.000656');
  });

  it('keeps context for follow-up questions', async () => {
    await say('b', { text: 'dang ky khai sinh' });
    const [fee] = await say('b', { text: 'phí bao nhiêu?' });
    expect(fee.text).toMatch(/Lệ phí thủ tục "Đăng ký khai sinh"/i);
    const [online] = await say('b', { text: 'làm online được không?' });
    expect(online.text).toMatch(/trực tuyến/);
    expect(online.text).toMatch(/khai sinh/i);
  });

  it('shows the full document list, steps and legal basis from buttons', async () => {
    const [docs] = await say('c', { action: 'proc:docs:1.001193' });
    expect(docs.text).toContain('Giấy chứng sinh');
    const [steps] = await say('c', { action: 'proc:steps:1.001193' });
    expect(steps.text).toMatch(/^🧭 Trình tự thực hiện/);
    const [legal] = await say('c', { action: 'proc:legal:1.001193' });
    expect(legal.text).toContain('123/2015/NĐ-CP');
  });

  it('asks the resident to choose when ambiguous, and accepts "số 2"', async () => {
    const [ask] = await say('d', { text: 'chứng thực' });
    expect(ask.text).toMatch(/thủ tục nào dưới đây/);
    const options = ask.buttons!.filter((b) => b.action?.startsWith('proc:show:'));
    expect(options.length).toBeGreaterThanOrEqual(2);
    const second = options[1].action!.slice('proc:show:'.length);
    const [picked] = await say('d', { text: 'số 2' });
    expect(picked.text).toContain(second);
  });

  it('says where to go for a need the commune does not decide (divorce: the court), with staff one tap away', async () => {
    const [r] = await say('elsewhere', { text: 'cho em hỏi thủ tục ly hôn cần giấy tờ gì ạ' });
    expect(r.text).toMatch(/Tòa án nhân dân khu vực/);
    expect(r.text).not.toMatch(/1\.\d{6}/);
    expect(r.buttons!.map((b) => b.action)).toContain('staff:contact');
  });

  it('declines chit-chat and offers staff instead of a random procedure', async () => {
    for (const text of ['hôm nay trời đẹp quá', 'bạn có người yêu chưa', 'kết quả bóng đá tối qua']) {
      const [r] = await say('e', { text });
      expect(r.text).not.toMatch(/Mã thủ tục/);
      expect(r.buttons!.map((b) => b.action)).toContain('staff:contact');
    }
  });

  it('says which level handles a procedure that is not commune-level', async () => {
    const found = await fetch(`${env.baseUrl}/api/v1/procedures/search?q=${encodeURIComponent('đổi giấy phép lái xe')}&limit=3`);
    const body = (await found.json()) as any;
    const top = body.results[0];
    expect(top.levels).not.toContain('xã');
    const [shown] = await say('f', { action: `proc:show:${top.code}` });
    expect(shown.text).toMatch(/Lưu ý: thủ tục này thuộc thẩm quyền/);
  });

  it('opens a procedure from a QR deep link', async () => {
    const [r] = await say('g', { text: '/start p_1_001193' });
    expect(r.text).toContain('Thủ tục đăng ký khai sinh');
  });

  it('serves the search API in the documented shape', async () => {
    const res = await fetch(`${env.baseUrl}/api/v1/procedures/search?q=${encodeURIComponent('giay chung tu')}&limit=3`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.confident).toBe(true);
    expect(body.results.length).toBeLessThanOrEqual(3);
    expect(Object.keys(body.results[0]).sort()).toEqual(['code', 'field', 'levels', 'name', 'score']);
    expect(body.results[0].name).toMatch(/khai tử/i);
    expect((await fetch(`${env.baseUrl}/api/v1/procedures/search?q=`)).status).toBe(422);
    expect((await fetch(`${env.baseUrl}/api/v1/procedures/search?q=x&limit=500`)).status).toBe(422);
  });

  it('applies a commune override in the chat answer', async () => {
    const put = await fetch(`${env.baseUrl}/api/v1/procedures/1.001193/override`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ note: 'Mang theo sổ hộ khẩu cũ nếu còn (ghi chú thử nghiệm).' }),
    });
    expect(put.status).toBeLessThan(300);
    const [r] = await say('h', { action: 'proc:show:1.001193' });
    expect(r.text).toContain('Ghi chú của xã: Mang theo sổ hộ khẩu cũ');
  });

  it('prints a QR poster for a procedure', async () => {
    const res = await fetch(`${env.baseUrl}/posters/1.001193`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<svg');
    expect(html.toLowerCase()).toContain('đăng ký khai sinh');
  });

  it.each(['/', '/posters/1.001193'])(
    'serves %s with security headers: its own inline code only, no framing (issue 19)',
    async (path) => {
      const res = await fetch(`${env.baseUrl}${path}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  it('limits posters per address with a Vietnamese 429 (issue 19, item 5)', async () => {
    const statuses: number[] = [];
    let refused = '';
    for (let i = 0; i < 35; i++) {
      const res = await fetch(`${env.baseUrl}/posters/1.000656`);
      statuses.push(res.status);
      const text = await res.text();
      if (res.status === 429) refused = text;
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(30);
    expect(statuses).toContain(429);
    expect(refused).toMatch(/thử lại sau/);
  });
});
