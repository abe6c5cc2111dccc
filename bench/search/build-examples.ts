/**
 * Writes data/catalog/examples.json, the answered examples the search reads
 * as evidence (src/text/examples.ts), from the tuning sets only. A tuning
 * question that is also a held-out question (short ones like "chứng thực giấy
 * tờ" were written by both sets' authors) is left out, so no held-out
 * question is ever its own example.
 *
 * It also writes data/catalog/example-model.json.gz, the model learned from
 * those examples (src/text/example-model.ts), stamped with the examples
 * file's hash.
 *
 *   npm run examples:build
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { defaultExamplesPath, defaultModelPath, examplesHash } from '../../src/features/procedures/examples-data.js';
import { readModel, storeModel, trainExampleModel, type StoredModel } from '../../src/text/example-model.js';
import { heldOutSet, tuningSet } from './sets.js';

const held = new Set(heldOutSet().questions.map((q) => q.q.trim().toLowerCase()));
const seen = new Set<string>();
let skipped = 0;
const examples: Array<{ q: string; codes: string[] | null }> = [];
for (const q of tuningSet()) {
  const key = q.q.trim().toLowerCase();
  if (held.has(key)) {
    skipped++;
    continue;
  }
  if (seen.has(key) || q.tags.includes('nfd')) continue;
  seen.add(key);
  examples.push({ q: q.q, codes: q.expected });
}
const file = defaultExamplesPath();
writeFileSync(file, JSON.stringify(examples, null, 0).replace(/\},\{/g, '},\n{') + '\n');
console.log(`${examples.length} examples written to ${file} (${skipped} left out: also held out)`);
// The model learns from the examples just written; its stamp is the written file's hash.
const model = trainExampleModel(examples);
const stored = storeModel(model, examplesHash(file));
writeFileSync(defaultModelPath(), gzipSync(JSON.stringify(stored), { level: 9 }));
console.log(`model of ${model.classes} classes, ${model.weights.size} features written to ${defaultModelPath()}`);
// The stored weights are rounded (four decimals): count the examples whose first class the rounding changed.
const shipped = readModel(JSON.parse(JSON.stringify(stored)) as StoredModel);
const moved = examples.filter((e) => model.scores(e.q)[0]?.code !== shipped.scores(e.q)[0]?.code).length;
console.log(`rounding changed the model's first class for ${moved} of ${examples.length} examples`);
