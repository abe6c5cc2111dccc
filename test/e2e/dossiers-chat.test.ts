import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, chatUpdates, startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime();
}, 120_000);
afterAll(async () => env?.close());

const CODE = '000.33.12.H56-260715-0007';
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

async function say(session: string, body: { text?: string; action?: string }) {
  const r = await chat(env.baseUrl, { sessionId: `dossier-session-${session}`, ...body });
  expect(r.status).toBe(200);
  return r.json as { replies: { text: string; buttons?: { label: string; action?: string }[] }[]; lastId?: number };
}

describe('dossier tracking through the whole server', () => {
  it('ingests from the one-stop system, verifies the resident, follows and notifies', async () => {
    const put = await fetch(`${env.baseUrl}/api/v1/dossiers/${CODE}`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({
        procedureCode: '1.001193',
        status: 4,
        channel: 'truc_tuyen',
        receivedAt: '2026-07-15T08:30:00+07:00',
        dueAt: '2026-07-20T17:00:00+07:00',
        applicantName: 'Nguyễn Văn Thử',
        applicantPhone: '0912345678',
      }),
    });
    expect(put.status).toBe(201);

    // The code pasted with extra words; nothing is shown before verification.
    const ask = await say('a', { text: `cho em hỏi hồ sơ ${CODE} tới đâu rồi ạ` });
    const askText = ask.replies.map((r) => r.text).join('\n');
    expect(askText).toMatch(/4 số cuối/);
    expect(askText).not.toContain('khai sinh');
    expect(askText).not.toContain('Thử');

    const ok = await say('a', { text: '5678' });
    const okText = ok.replies.map((r) => r.text).join('\n');
    expect(okText).toMatch(/khai sinh/i);
    expect(okText).toMatch(/Đang xử lý|đang được xử lý/i);
    expect(okText).not.toContain('0912345678');
    const follow = ok.replies.flatMap((r) => r.buttons ?? []).find((b) => b.action?.startsWith('dossier:follow'));
    expect(follow).toBeTruthy();
    const followed = await say('a', { action: follow!.action! });
    const after = followed.lastId ?? 0;

    const ev = await fetch(`${env.baseUrl}/api/v1/dossiers/${CODE}/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ status: 9, at: '2026-07-18T10:00:00+07:00', note: 'Đã ký' }),
    });
    expect(ev.status).toBe(201);
    const again = await fetch(`${env.baseUrl}/api/v1/dossiers/${CODE}/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ status: 9, at: '2026-07-18T10:00:00+07:00', note: 'Đã ký' }),
    });
    expect(again.status).toBe(200);

    const updates = await chatUpdates(env.baseUrl, 'dossier-session-a', after);
    const body = (await updates.json()) as { messages: { text: string }[] };
    const notes = body.messages.filter((m) => m.text.includes(CODE) || /xử lý xong|đã có kết quả/i.test(m.text));
    expect(notes).toHaveLength(1);
  });

  it('gives the same answer for an unknown code and wrong digits, then cools down', async () => {
    await say('b', { text: CODE });
    const wrong = await say('b', { text: '0000' });
    await say('b', { text: '000.33.12.H56-260715-9999' });
    const unknown = await say('b', { text: '1234' });
    // Identical apart from the remaining-attempts counter, which counts both kinds alike.
    const shape = (t: string) => t.replace(/\d+ lần/g, 'N lần');
    expect(shape(unknown.replies[0].text)).toBe(shape(wrong.replies[0].text));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(...(await say('b', { text: CODE })).replies.map((r) => r.text));
      seen.push(...(await say('b', { text: '1111' })).replies.map((r) => r.text));
    }
    // After too many wrong answers the resident is told to wait, and no detail leaks.
    expect(seen.slice(-2).join('\n')).toMatch(/thử lại sau|quá nhiều|tạm khóa|sau \d+/i);
    expect(seen.join('\n')).not.toMatch(/khai sinh/i);
  });

  it('rejects bad one-stop updates with 422 and changes nothing', async () => {
    const bad = await fetch(`${env.baseUrl}/api/v1/dossiers/${CODE}/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ status: 42, at: 'yesterday' }),
    });
    expect(bad.status).toBe(422);
    const b = (await bad.json()) as { fieldErrors: Record<string, string> };
    expect(Object.keys(b.fieldErrors).length).toBeGreaterThan(0);
    const noAuth = await fetch(`${env.baseUrl}/api/v1/dossiers/${CODE}/events`, { method: 'POST', body: '{}' });
    expect(noAuth.status).toBe(401);
  });

  it('reports statistics like the district reports', async () => {
    const r = await fetch(`${env.baseUrl}/api/v1/stats/dossiers?from=2026-01-01&to=2026-12-31`, { headers: auth });
    expect(r.status).toBe(200);
    const s = JSON.stringify(await r.json());
    expect(s).toMatch(/received/);
  });
});
