import { describe, expect, it } from 'vitest';
import { createWebSessions, WEB_SESSION_MAX_AGE_MS } from '../../../src/channels/web/session.js';

const KEY = 'unit-test-web-session-key-0123456789abcdef';

describe('server-issued web chat sessions', () => {
  const sessions = createWebSessions(KEY);
  const now = new Date('2026-12-06T08:00:00Z');

  it('issues a random id with its issue time and signature, and accepts it back', () => {
    const a = sessions.issue(now);
    const b = sessions.issue(now);
    expect(a.chatId).not.toBe(b.chatId);
    expect(a.token.startsWith(`${a.chatId}.`)).toBe(true);
    expect(a.issuedAt).toEqual(now);
    expect(sessions.verify(a.token, now)).toMatchObject({ chatId: a.chatId, issuedAt: now });
  });

  it('refuses an invented id, an altered id, time or signature, and another key', () => {
    const s = sessions.issue(now);
    const [id, issued, sig] = s.token.split('.');
    const other = createWebSessions('another-installation-key-0123456789abcdef').issue(now);
    const flip = (x: string) => (x[0] === 'A' ? 'B' : 'A') + x.slice(1);
    for (const forged of [
      'test-session-a',
      `${flip(id)}.${issued}.${sig}`,
      `${id}.${(parseInt(issued, 36) + 1).toString(36)}.${sig}`,
      `${id}.${issued}.${flip(sig)}`,
      other.token,
      `${id}.${issued}`,
      undefined,
      42,
    ]) {
      expect(sessions.verify(forged, now)).toBeUndefined();
    }
  });

  it('refuses a session past its age or issued in the future', () => {
    const s = sessions.issue(now);
    expect(sessions.verify(s.token, new Date(now.getTime() + WEB_SESSION_MAX_AGE_MS - 1000))).toBeDefined();
    expect(sessions.verify(s.token, new Date(now.getTime() + WEB_SESSION_MAX_AGE_MS))).toBeUndefined();
    expect(sessions.verify(s.token, new Date(now.getTime() - 3_600_000))).toBeUndefined();
  });

  it('needs a key of at least 32 characters', () => {
    expect(() => createWebSessions('short')).toThrow(/32/);
  });
});
