import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTelegramUpdate } from '../../../src/channels/telegram/parse.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'));

describe('Telegram: private chats only', () => {
  it('ignores messages and button taps from groups (dossier details must not reach a whole group)', () => {
    const text = fixture('text');
    expect(parseTelegramUpdate(text, 1)).toHaveLength(1);
    const group = structuredClone(text);
    group.message.chat = { id: -1001234567890, title: 'Tổ dân phố 3 (thử)', type: 'supergroup' };
    expect(parseTelegramUpdate(group, 1)).toEqual([]);
    const tap = structuredClone(fixture('callback-query'));
    tap.callback_query.message.chat = { id: -1001234567890, title: 'Nhóm thử', type: 'group' };
    expect(parseTelegramUpdate(tap, 1)).toEqual([]);
  });
});
