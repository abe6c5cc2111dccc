/**
 * DEV ONLY: builds searchable records straight from the raw national crawl
 * (../shared/data/tthc-national) while the shipped snapshot does not exist yet.
 * Never used by the final bench or the tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SearchableProcedure } from '../../src/text/search-index.js';

const LEVELS: Record<string, string> = { 'Cấp xã': 'xã', 'Cấp tỉnh': 'tỉnh', 'Cấp bộ': 'bộ', 'Cơ quan khác': 'khác' };

export function loadSharedCatalog(root: string): SearchableProcedure[] {
  const out: SearchableProcedure[] = [];
  for (const folder of readdirSync(root, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(path.join(root, folder.name))) {
      if (!file.endsWith('.json')) continue;
      const r = JSON.parse(readFileSync(path.join(root, folder.name, file), 'utf8')) as Record<string, string>;
      out.push({
        code: r.ma_thu_tuc,
        name: r.ten_thu_tuc.replace(/^\s*Thủ tục\s+/i, '').trim(),
        field: r.linh_vuc,
        levels: r.cap_thuc_hien.split(',').map((s) => LEVELS[s.trim()] ?? 'khác'),
      });
    }
  }
  return out;
}
