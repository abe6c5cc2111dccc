import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { examplesHash, loadExampleModel } from '../../../src/features/procedures/examples-data.js';
import { DECLINED, modelFeatures, readModel, storeModel, trainExampleModel } from '../../../src/text/example-model.js';
import { exampleWords } from '../../../src/text/example-words.js';
import { createExampleIndex } from '../../../src/text/examples.js';

// Synthetic questions. Building permits: a new house (A), a repair (B); the story words (đất, công chứng) are shared.
const examples = [
  { q: 'mua đất đã công chứng, giờ xin giấy phép xây nhà mới', codes: ['A'] },
  { q: 'xin phép xây nhà mới 2 tầng trên đất nhà', codes: ['A'] },
  { q: 'xây nhà mới trên đất vườn có cần giấy phép không', codes: ['A'] },
  { q: 'nhà cũ dột, xin phép sửa chữa lại mái', codes: ['B'] },
  { q: 'sửa nhà cải tạo thêm gác có cần xin phép', codes: ['B'] },
  { q: 'đất nhà đã công chứng, muốn sửa chữa nhà cũ', codes: ['B'] },
  { q: 'cảm ơn nhiều nha', codes: null },
  { q: 'cảm ơn xã nhiều', codes: null },
];

describe('the learned example model', () => {
  const model = trainExampleModel(examples);
  const top = (q: string) => model.scores(q)[0]?.code;

  it('learns the words that tell siblings apart, not the story they share', () => {
    expect(top('đất đã công chứng rồi, giờ sửa chữa cải tạo nhà')).toBe('B');
    expect(top('đất đã công chứng rồi, giờ xây nhà mới')).toBe('A');
    expect(top('cảm ơn')).toBe(DECLINED);
    // Nothing it has learned: no score at all, rather than a guess.
    expect(model.scores('hôm nay trời đẹp')).toEqual([]);
  });

  it('keeps pairs of plain words that carry meaning, drops a plain word alone', () => {
    const f = modelFeatures(exampleWords('xin cấp lại giấy khai sinh'));
    expect(f).toContain('cap lai');
    expect(f).toContain('khai sinh');
    expect(f).not.toContain('cap');
    expect(f).not.toContain('xin cap');
  });

  it('refuses an example labelled with an empty list (a slip, as the examples file loader refuses it)', () => {
    expect(() => trainExampleModel([{ q: 'khai sinh', codes: [] }])).toThrow(/non-empty/);
  });

  it('is the same model from the same examples (a build is reproducible)', () => {
    const again = trainExampleModel(examples);
    for (const q of ['sửa nhà', 'xây nhà mới', 'cảm ơn xã']) expect(again.scores(q)).toEqual(model.scores(q));
  });

  it('reads back what it stored, to four decimals', () => {
    const back = readModel(JSON.parse(JSON.stringify(storeModel(model, 'h'))));
    for (const q of ['sửa chữa nhà cũ', 'xây nhà mới']) {
      const a = model.scores(q);
      const b = back.scores(q);
      expect(b.map((c) => c.code)).toEqual(a.map((c) => c.code));
      b.forEach((c, i) => expect(c.score).toBeCloseTo(a[i].score, 3));
    }
    expect(() => readModel({ version: 1, examples: 'h', classes: ['A'], features: { x: [3, 1] } })).toThrow(/bad class/);
  });

  it('votes beside the nearest examples: a sibling the story hides is ranked first', () => {
    const q = 'đất nhà đã công chứng, giờ xin phép xây nhà mới';
    const withModel = createExampleIndex(examples, { model }).vote(q);
    expect(withModel.codes[0].code).toBe('A');
    // The model's declined class is never a procedure.
    expect(
      createExampleIndex(examples, { model })
        .vote('cảm ơn xã')
        .codes.map((c) => c.code),
    ).not.toContain(DECLINED);
  });

  it('is read only beside the examples it was learned from', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'model-'));
    try {
      const examplesFile = path.join(dir, 'examples.json');
      const modelFile = path.join(dir, 'model.json.gz');
      writeFileSync(examplesFile, JSON.stringify(examples));
      writeFileSync(modelFile, gzipSync(JSON.stringify(storeModel(model, examplesHash(examplesFile)))));
      const read = loadExampleModel(examplesFile, modelFile);
      expect(read.problem).toBeUndefined();
      expect(read.model?.scores('sửa nhà cũ')[0].code).toBe('B');
      writeFileSync(examplesFile, JSON.stringify(examples.slice(1)));
      expect(loadExampleModel(examplesFile, modelFile)).toEqual({ problem: 'stale' });
      expect(loadExampleModel(examplesFile, path.join(dir, 'none.gz'))).toEqual({ problem: 'absent' });
      // A damaged file is reported, never thrown: the search goes on with the nearest examples alone.
      writeFileSync(modelFile, 'not gzip');
      expect(loadExampleModel(examplesFile, modelFile)).toEqual({ problem: 'unreadable' });
      const hash = examplesHash(examplesFile);
      writeFileSync(modelFile, gzipSync(JSON.stringify({ version: 1, examples: hash, classes: ['A'], features: { x: [9, 1] } })));
      expect(loadExampleModel(examplesFile, modelFile)).toEqual({ problem: 'unreadable' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships learned from the shipped examples (npm run examples:build writes both)', () => {
    const shipped = loadExampleModel();
    expect(shipped.problem).toBeUndefined();
    expect(shipped.model!.classes).toBeGreaterThan(300);
  });
});
