import { describe, expect, it } from 'vitest';
import { smallTalkOf } from '../../../../src/features/assistant/index.js';

describe('small talk (issue 18, item 4)', () => {
  it.each([
    ['cảm ơn', 'thanks'],
    ['Cảm ơn nhiều nha ad', 'thanks'],
    ['cam on ạ', 'thanks'],
    ['thanks', 'thanks'],
    ['ok', 'agree'],
    ['Dạ vâng ạ', 'agree'],
    ['oke em hiểu rồi', 'agree'],
    ['👍', 'agree'],
    ['🙏🙏', 'agree'],
    ['tạm biệt nhé', 'bye'],
    ['bye ad', 'bye'],
    ['ok cảm ơn ạ', 'thanks'],
  ])('%s is %s', (text, kind) => {
    expect(smallTalkOf(text)).toBe(kind);
  });

  it.each([
    'cảm ơn, cho hỏi làm giấy khai sinh cần gì',
    'ok vậy nộp ở đâu',
    'đăng ký kết hôn',
    'dạ cho em hỏi hồ sơ của em',
    '',
    '???',
  ])('%s is not small talk', (text) => {
    expect(smallTalkOf(text)).toBeUndefined();
  });
});
