/**
 * Show how the index understands and ranks one query (diagnostics):
 *   npx tsx bench/search/explain.ts "làm giấy khai sinh cho con"
 */
import { analyzeQuery } from '../../src/text/normalize.js';
import { createProcedureIndex } from '../../src/text/search-index.js';
import { loadSnapshot, toSearchable } from './catalog.js';

const index = createProcedureIndex(loadSnapshot(process.env.CATALOG_SNAPSHOT || undefined).map(toSearchable));
for (const query of process.argv.slice(2)) {
  const analyzed = analyzeQuery(query);
  const r = index.search(query, { limit: 6, explain: true });
  console.log(`\n${query}\n  tokens: ${analyzed.tokens.join(' ')}\n  understood: ${r.understood}\n  decision: ${r.decision}`);
  for (const h of r.results) {
    console.log(
      `  ${h.score.toFixed(2).padStart(7)} cov ${h.coverage.toFixed(2)} ${h.code} [${h.levels.join(',')}] ${h.name.slice(0, 110)}`,
    );
  }
}
