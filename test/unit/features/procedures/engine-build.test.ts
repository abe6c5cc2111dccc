import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProcedureEngine, createProcedureEngine, toSearchable } from '../../../../src/features/procedures/engine.js';
import { createExampleIndex } from '../../../../src/text/examples.js';
import { loadExamples } from '../../../../src/features/procedures/examples-data.js';
import { catalogProcedures } from '../../text/catalog.js';

const SIBLINGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bench/search/sets/tuning-13.json');

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

  it('orders the same whatever the caller shows: the chat’s four are the first four of the API’s ten', () => {
    const engine = createProcedureEngine(docs, { examples });
    // Messages between sibling procedures, where the order of the choices is decided.
    const messages = (JSON.parse(readFileSync(SIBLINGS, 'utf8')) as Array<{ q: string }>).slice(0, 150).map((m) => m.q);
    for (const q of messages) {
      const four = engine.search(q, { limit: 4 });
      const ten = engine.search(q, { limit: 10 });
      expect({ q, decision: four.decision, results: four.results, candidates: four.candidates }).toEqual({
        q,
        decision: ten.decision,
        results: ten.results.slice(0, 4),
        candidates: ten.candidates,
      });
    }
  });

  it('answers exactly as the engine built at once, with a shared examples index', async () => {
    const atOnce = createProcedureEngine(docs, { examples });
    const stepped = await buildProcedureEngine(docs, { exampleIndex: createExampleIndex(examples) });
    for (const q of QUESTIONS) expect(stepped.search(q, { limit: 5 })).toEqual(atOnce.search(q, { limit: 5 }));
  });
});
