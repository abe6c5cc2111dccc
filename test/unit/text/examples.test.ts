import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExamples } from '../../../src/features/procedures/examples-data.js';
import { DEFAULT_EXAMPLE_TUNING, withExamples } from '../../../src/text/example-evidence.js';
import { createExampleIndex } from '../../../src/text/examples.js';
import type { SearchHit, SearchResponse } from '../../../src/text/search-types.js';

const examples = [
  { q: 'ba tui mới mất hôm qua, giờ làm giấy báo tử ở đâu', codes: ['1.000656'] },
  { q: 'mẹ em qua đời tuần trước, cần làm giấy chứng tử', codes: ['1.000656'] },
  { q: 'làm giấy khai sinh cho con mới đẻ', codes: ['1.001193'] },
  { q: 'cảm ơn nhiều nha, mai chị lên xã', codes: null },
];
const names: Record<string, string> = { '1.000656': 'Thủ tục đăng ký khai tử', '1.001193': 'Thủ tục đăng ký khai sinh' };
const hitOf = (code: string) => (names[code] ? { code, name: names[code], field: 'Hộ tịch', levels: ['xã'] } : undefined);
const more: Record<string, string> = { '1.005461': 'Thủ tục đăng ký lại khai tử', '1.004884': 'Thủ tục đăng ký lại khai sinh' };
const hitOfMore = (code: string) =>
  hitOf(code) ?? (more[code] ? { code, name: more[code], field: 'Hộ tịch', levels: ['xã'] } : undefined);
const hit = (code: string, score: number): SearchHit => ({ ...hitOfMore(code)!, score, coverage: 0.8 });
const unknown: SearchResponse = { results: [], confident: false, decision: 'unknown', candidates: [], understood: '' };

describe('nearest answered examples', () => {
  const index = createExampleIndex(examples);

  it('gives a question the same vote whatever was asked before it (the similarities are reused between votes)', () => {
    const plain = (v: ReturnType<typeof index.vote>) => ({ ...v });
    const fresh = plain(createExampleIndex(examples).vote('làm giấy khai sinh cho con'));
    index.vote('ba tui mới mất hôm qua, giờ làm giấy báo tử ở đâu');
    expect(plain(index.vote('làm giấy khai sinh cho con'))).toEqual(fresh);
  });

  it('lets a procedure with one close example outvote one with many looser ones (each procedure counts once)', () => {
    const founding = [
      'đăng ký hộ kinh doanh bán tạp hóa ở chợ',
      'mở quán cà phê thì đăng ký hộ kinh doanh ở đâu',
      'hộ kinh doanh bán quán ăn cần giấy tờ gì',
      'đăng ký hộ kinh doanh tiệm sửa xe',
      'mới mở quán ăn, làm giấy phép hộ kinh doanh',
      'hộ kinh doanh quán ăn đăng ký thế nào',
    ].map((q) => ({ q, codes: ['2.000720'] }));
    const many = createExampleIndex([...founding, { q: 'đổi tên hộ kinh doanh', codes: ['2.000719'] }]);
    // The five nearest are four founding questions and the renaming one: counted one by one, founding wins.
    expect(many.vote('mở quán ăn đăng ký hộ kinh doanh xong giờ muốn đổi tên quán').codes[0].code).toBe('2.000719');
  });

  it('keeps the five nearest, nearest first, the earlier example first on a tie', () => {
    const same = Array.from({ length: 8 }, (_, i) => ({ q: `giấy khai sinh số ${i}`, codes: [`9.00000${i}`] }));
    const many = createExampleIndex([{ q: 'giấy khai sinh bản sao', codes: ['9.000009'] }, ...same]);
    const v = many.vote('giấy khai sinh');
    // Eight equal neighbours and one less similar: the first five equal ones vote, in example order.
    expect(v.codes.map((c) => c.code)).toEqual(['9.000000', '9.000001', '9.000002', '9.000003', '9.000004']);
  });

  it('votes for the procedure of the examples that say the same thing in other words', () => {
    const v = index.vote('tía tui mất rồi, làm giấy báo tử sao');
    expect(v.codes[0].code).toBe('1.000656');
    expect(v.best).toBeGreaterThan(0.3);
    expect(v.nearestDeclined).toBe(false);
  });

  it('has nothing to say about words no example has', () => {
    const v = index.vote('xin giấy phép xây dựng nhà ở');
    expect(v.codes).toEqual([]);
    expect(v.best).toBeLessThan(0.2);
  });

  it('knows a message like one the commune declines', () => {
    const v = index.vote('cảm ơn nhiều nha');
    expect(v.nearestDeclined).toBe(true);
  });

  it('offers, never asserts, the examples’ procedure when the catalog found nothing', () => {
    const r = withExamples(unknown, index.vote('ba tui mới mất, làm giấy báo tử ở đâu'), hitOf);
    expect(r.decision).toBe('choose');
    expect(r.results[0].code).toBe('1.000656');
  });

  it('withdraws the choices or the answer when most of the nearest examples are messages the commune declines', () => {
    const declined = createExampleIndex([
      { q: 'cho thuê nhà trọ thì khai thuế ở đâu', codes: null },
      { q: 'cho thuê nhà nguyên căn nộp thuế thế nào', codes: null },
      { q: 'đăng ký tạm trú cho người thuê nhà trọ', codes: ['1.004194'] },
    ]);
    const choose: SearchResponse = {
      results: [hit('1.001193', 5), hit('1.000656', 4)],
      confident: false,
      decision: 'choose',
      candidates: [hit('1.001193', 5), hit('1.000656', 4)],
      understood: '',
    };
    const v = declined.vote('cho thuê phòng trọ thì thuế ra sao');
    expect(v.nearestDeclined).toBe(true);
    expect(v.best).toBeLessThan(0.5); // not close enough for the nearest one alone to withdraw them
    expect(v.declinedShare).toBeGreaterThan(0.6);
    expect(withExamples(choose, v, hitOf).decision).toBe('unknown');
    const answer: SearchResponse = { ...choose, decision: 'answer', confident: true, candidates: [hit('1.001193', 5)] };
    expect(withExamples(answer, v, hitOf).decision).toBe('unknown');
    // A commune's own procedure, which no example has asked for yet, is not withdrawn by them.
    const local: SearchResponse = { ...answer, results: [hit('1.001193', 5)], candidates: [hit('1.001193', 5)] };
    local.results[0] = { ...local.results[0], code: 'local.dao-ao' };
    const isLocal = (code: string) => code.startsWith('local.');
    expect(withExamples(local, v, hitOf, undefined, 10, isLocal).decision).toBe('answer');
    // Mostly a procedure's examples: the choices stay.
    const kept = declined.vote('đăng ký tạm trú cho người thuê trọ');
    expect(kept.declinedShare).toBeLessThan(0.6);
    expect(withExamples(choose, kept, hitOf).decision).toBe('choose');
  });

  it('asks back when the examples contradict a direct answer', () => {
    const answer: SearchResponse = {
      results: [hit('1.001193', 5)],
      confident: true,
      decision: 'answer',
      candidates: [hit('1.001193', 5)],
      understood: '',
    };
    const v = index.vote('mẹ em mới qua đời, làm giấy chứng tử');
    const r = withExamples(answer, v, hitOf);
    expect(r.decision).toBe('choose');
    // No example votes for the index's answer: the examples' procedure is offered first, the answer second.
    expect(r.candidates.map((c) => c.code)).toEqual(['1.000656', '1.001193']);
    expect(r.results.map((c) => c.code)).toEqual(['1.000656', '1.001193']);
    // Without overruling, the index's answer stays first.
    const kept = withExamples(answer, v, hitOf, { ...DEFAULT_EXAMPLE_TUNING, overrule: 0 });
    expect(kept.candidates.map((c) => c.code)).toEqual(['1.001193', '1.000656']);
  });

  it('adds the first procedures of the nearest examples to the index’s choices, ordered with them', () => {
    const more = createExampleIndex([
      { q: 'làm giấy báo tử cho ba tui', codes: ['1.000656'] },
      { q: 'giấy báo tử cho ba mới mất', codes: ['1.000656'] },
      { q: 'làm lại giấy báo tử bị mất', codes: ['1.005461'] },
    ]);
    const choose: SearchResponse = {
      results: [hit('1.001193', 5), hit('1.004884', 4)],
      confident: false,
      decision: 'choose',
      candidates: [hit('1.001193', 5), hit('1.004884', 4)],
      understood: '',
    };
    const v = more.vote('làm lại giấy báo tử cho ba');
    const voted = v.codes.map((c) => c.code);
    expect([...voted].sort()).toEqual(['1.000656', '1.005461']);
    const r = withExamples(choose, v, hitOfMore);
    // Both voted procedures join, in the vote's order, before the index's own, which no example backs.
    expect(r.results.map((h) => h.code)).toEqual([...voted, '1.001193', '1.004884']);
    // The resident is offered the first of that order: as many as the index offered, and one more for the vote's.
    expect(r.candidates.map((h) => h.code)).toEqual([...voted, '1.001193']);
  });

  it('keeps the index’s first choice on offer when the vote’s procedures come first (a commune’s own one, say)', () => {
    // One example for three procedures: each gets the whole vote's share, and all three outrank the index's.
    const voters = createExampleIndex([{ q: 'làm lại giấy báo tử bị mất', codes: ['1.000656', '1.005461', '1.004884'] }]);
    const v = voters.vote('làm lại giấy báo tử bị mất cho ba');
    expect(v.codes.length).toBe(3);
    const choose: SearchResponse = {
      results: [hit('1.001193', 10), hit('1.000894', 9)],
      confident: false,
      decision: 'choose',
      candidates: [hit('1.001193', 10), hit('1.000894', 9)],
      understood: '',
    };
    const r = withExamples(
      choose,
      v,
      (code) =>
        hitOfMore(code) ??
        (code === '1.000894' ? { code, name: 'Đăng ký kết hôn', field: 'Hộ tịch', levels: ['xã'] } : undefined),
    );
    expect(
      r.results
        .slice(0, 3)
        .map((h) => h.code)
        .sort(),
    ).toEqual(['1.000656', '1.004884', '1.005461']);
    expect(r.candidates.map((h) => h.code)).toContain('1.001193');
    expect(r.candidates).toHaveLength(3);
  });

  it('leaves the index’s order alone when no example votes (its base procedure before the variant)', () => {
    const choose: SearchResponse = {
      results: [hit('1.001193', 9.6), hit('1.004884', 10)],
      confident: false,
      decision: 'choose',
      candidates: [hit('1.001193', 9.6), hit('1.004884', 10)],
      understood: '',
    };
    expect(withExamples(choose, index.vote('xin giấy phép xây dựng nhà ở'), hitOf)).toBe(choose);
  });

  it('leaves an answer the examples agree with alone', () => {
    const answer: SearchResponse = {
      results: [hit('1.000656', 5)],
      confident: true,
      decision: 'answer',
      candidates: [hit('1.000656', 5)],
      understood: '',
    };
    expect(withExamples(answer, index.vote('mẹ em mới qua đời, làm giấy chứng tử'), hitOf)).toBe(answer);
  });
});

describe('the shipped examples', () => {
  it.each([
    ['an empty list of codes', [{ q: 'làm giấy khai sinh', codes: [] }]],
    ['an empty code', [{ q: 'làm giấy khai sinh', codes: [''] }]],
    ['a question that is not text', [{ q: 5, codes: ['1.001193'] }]],
  ])('refuse a file with %s, naming the item', (_, items) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'examples-'));
    const file = path.join(dir, 'examples.json');
    writeFileSync(file, JSON.stringify([{ q: 'cảm ơn', codes: null }, ...items]));
    try {
      expect(() => loadExamples(file)).toThrow(`${file}[1]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parse, and hold no question of the frozen held-out sets', () => {
    const shipped = loadExamples();
    expect(shipped.length).toBeGreaterThan(500);
    const sets = path.resolve(__dirname, '../../../bench/search/sets');
    const heldOut = readdirSync(sets)
      .filter((f) => f.startsWith('held-out-') && f.endsWith('.json'))
      .flatMap((f) =>
        (JSON.parse(readFileSync(path.join(sets, f), 'utf8')) as Array<{ q: string }>).map((x) => x.q.trim().toLowerCase()),
      );
    expect(heldOut.length).toBeGreaterThan(300);
    const leaked = shipped.filter((e) => heldOut.includes(e.q.trim().toLowerCase()));
    expect(leaked).toEqual([]);
  });
});
