import { describe, expect, it } from 'vitest';
import { parseTelegramUpdate } from '../../../src/channels/telegram/index.js';
import { parseZaloEvent } from '../../../src/channels/zalo/index.js';
import { fixture } from '../../contract/fixtures.js';

/** Shared locations reach the features with their point (reports use it), and a bad point is dropped, not guessed. */
describe('a shared location, parsed with its coordinates', () => {
  it('Telegram: message.location gives a location attachment with latitude and longitude', () => {
    const [m] = parseTelegramUpdate(fixture('telegram', 'location'), 1);
    expect(m.attachments).toEqual([{ kind: 'location', latitude: 10.776889, longitude: 106.700806 }]);
    expect(m.text).toBeUndefined();
  });

  it('Zalo OA: user_send_location payload.coordinates (strings on the wire) become numbers', () => {
    const [m] = parseZaloEvent(fixture('zalo', 'user_send_location'), 1);
    expect(m.attachments).toEqual([{ kind: 'location', latitude: 21.028511, longitude: 105.804817 }]);
    expect(m.externalId).toBe('7a1c3e5b9d2f4a6c8e0b');
  });

  it.each([
    [{ latitude: 91, longitude: 106 }],
    [{ latitude: 10, longitude: -181 }],
    [{ latitude: '10.5', longitude: 106 }],
    [{ latitude: 10 }],
  ])('Telegram: an out-of-range or malformed point %j gives a location without coordinates', (location) => {
    const u = fixture('telegram', 'location');
    u.message.location = location;
    expect(parseTelegramUpdate(u, 1)[0].attachments).toEqual([{ kind: 'location' }]);
  });

  it.each([
    [{ latitude: '95.1', longitude: '105.8' }],
    [{ latitude: '21.0', longitude: 'east' }],
    [{ latitude: '', longitude: '105.8' }],
    [null],
  ])('Zalo OA: an out-of-range or malformed point %j gives a location without coordinates', (coordinates) => {
    const e = fixture('zalo', 'user_send_location');
    e.message.attachments[0].payload.coordinates = coordinates;
    expect(parseZaloEvent(e, 1)[0].attachments).toEqual([{ kind: 'location' }]);
  });

  it('Zalo OA: numbers are read as well as strings', () => {
    const e = fixture('zalo', 'user_send_location');
    e.message.attachments[0].payload.coordinates = { latitude: 21.5, longitude: 105.25 };
    expect(parseZaloEvent(e, 1)[0].attachments).toEqual([{ kind: 'location', latitude: 21.5, longitude: 105.25 }]);
  });
});
