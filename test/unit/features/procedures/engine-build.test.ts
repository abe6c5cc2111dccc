import { describe, expect, it } from 'vitest';
import { buildProcedureEngine, createProcedureEngine, toSearchable } from '../../../../src/features/procedures/engine.js';
import { createExampleIndex } from '../../../../src/text/examples.js';
import { loadExamples } from '../../../../src/features/procedures/examples-data.js';
import { catalogProcedures } from '../../text/catalog.js';

const QUESTIONS = [
  'làm giấy khai sinh cho con cần gì',
  'đăng ký kết hôn',
  'xin xác nhận tình trạng hôn nhân',
  'bố tôi mất, khai tử thế nào',
  'chứng thực bản sao',
  'thủ tục ly hôn làm ở đâu',
  'trợ cấp xã hội cho người cao tuổi',
];

describe('building the procedure engine while serving', () => {
  const docs = catalogProcedures().map(toSearchable);
  const examples = loadExamples();

  it('gives the event loop back many times during a build of the national catalog', async () => {
    let turns = 0;
    let building = true;
    const tick = () => {
      if (!building) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    await buildProcedureEngine(docs, { exampleIndex: createExampleIndex(examples) });
    building = false;
    // One turn per slice of 32 records, twice over the catalog: a build done at once would give none.
    expect(turns).toBeGreaterThan(100);
  });

  it('answers exactly as the engine built at once, with a shared examples index', async () => {
    const atOnce = createProcedureEngine(docs, { examples });
    const stepped = await buildProcedureEngine(docs, { exampleIndex: createExampleIndex(examples) });
    for (const q of QUESTIONS) expect(stepped.search(q, { limit: 5 })).toEqual(atOnce.search(q, { limit: 5 }));
  });
});
