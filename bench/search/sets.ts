/**
 * The benchmark's question sets.
 *
 * - **Tuning**: questions the engine may be tuned on and whose misses may be
 *   read: the project's own questions (`questions.ts`), the small set that was
 *   once held out (`held-out.ts`, read since, so demoted) and
 *   `sets/tuning-*.json`, written by a helper from the catalog and a brief.
 * - **Held-out** (`sets/held-out-*.json`): written by helpers who saw only the
 *   catalog's names and a list of life events, never the lexicon or the
 *   ranking code. Frozen: `sets/FROZEN.sha256` records their hashes and the
 *   benchmark refuses to report a held-out figure when a file changed. Never
 *   read their misses to tune; when they are used up, write new ones and
 *   freeze those.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot } from './catalog.js';
import { HELD_OUT as FORMER_HELD_OUT } from './held-out.js';
import { QUESTIONS, type BenchQuestion } from './questions.js';

export type { BenchQuestion };

const SETS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sets');
const FROZEN_FILE = path.join(SETS_DIR, 'FROZEN.sha256');

/** Tags that mark a question as long or messy (the "a third of them"). */
export const MESSY_TAGS = ['long', 'typo', 'no-diacritics', 'telex', 'regional', 'two-needs', 'abbrev'];

interface FileQuestion {
  q: string;
  expected: string[] | null;
  tags: string[];
  event?: string;
}

function readSet(file: string): BenchQuestion[] {
  const list = JSON.parse(readFileSync(file, 'utf8')) as FileQuestion[];
  if (!Array.isArray(list)) throw new Error(`${file}: not a JSON array`);
  return list.map((item, i) => {
    if (typeof item.q !== 'string' || !Array.isArray(item.tags)) throw new Error(`${file}[${i}]: malformed question`);
    if (item.expected !== null && !Array.isArray(item.expected))
      throw new Error(`${file}[${i}]: expected must be a list or null`);
    return { q: item.q, expected: item.expected, tags: item.event ? [...item.tags, `event:${item.event}`] : item.tags };
  });
}

function setFiles(prefix: string): string[] {
  if (!existsSync(SETS_DIR)) return [];
  return readdirSync(SETS_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => path.join(SETS_DIR, f));
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Catalog fields whose needs the brief labels `null` (`sets/BRIEF.md`: taxes, court cases) and the chat declines
 * with where to go (`src/features/procedures/scope.ts`): the tax office or the court decides them. Authors of the
 * earlier tuning files labelled some of them with the catalog's procedure anyway; the tuning set reads every file
 * to the one policy. Not dropped, because the chat answers them as the scope rules say: the registration fee
 * ("lệ phí trước bạ") filed with a land dossier, a driving licence's exchange or re-issue (received by the commune
 * police), a lost passport's report. A passport's issue is named separately: its field also holds commune
 * procedures (a lost passport, a foreigner's stay).
 */
const ELSEWHERE_FIELDS = new Set(['Thuế', 'Quản lý thuế, phí, lệ phí và thu khác của ngân sách nhà nước', 'Tòa án']);
const ELSEWHERE_NAME = /^(thủ tục )?cấp hộ chiếu/i;
const ANSWERED_NAME = /^(thủ tục )?khai lệ phí trước bạ/i;
let elsewhereCodes: Set<string> | undefined;
function decidedElsewhere(code: string): boolean {
  elsewhereCodes ??= new Set(
    loadSnapshot()
      .filter((p) => (ELSEWHERE_FIELDS.has(p.field) && !ANSWERED_NAME.test(p.name)) || ELSEWHERE_NAME.test(p.name))
      .map((p) => p.code),
  );
  return elsewhereCodes.has(code);
}

/**
 * A tuning question labelled to the brief's policy: codes of needs decided elsewhere are dropped, and a question
 * left with none is one the chat declines (tagged `relabelled:elsewhere`). Held-out questions are read as written.
 */
function toPolicy(q: BenchQuestion): BenchQuestion {
  if (!q.expected?.some(decidedElsewhere)) return q;
  const kept = q.expected.filter((c) => !decidedElsewhere(c));
  return kept.length ? { ...q, expected: kept } : { ...q, expected: null, tags: [...q.tags, 'relabelled:elsewhere'] };
}

/** One tuning file (`tuning-7.json`), labelled to the brief's policy. */
export function tuningFile(name: string): BenchQuestion[] {
  return readSet(path.join(SETS_DIR, name)).map(toPolicy);
}

/** The tuning set: everything the engine may be tuned on, labelled to the brief's policy. */
export function tuningSet(): BenchQuestion[] {
  return [...QUESTIONS, ...FORMER_HELD_OUT, ...setFiles('tuning-').flatMap(readSet)].map(toPolicy);
}

export interface HeldOutSet {
  questions: BenchQuestion[];
  files: string[];
  /** Files whose content differs from the hash recorded when they were frozen (or that were never frozen). */
  unfrozen: string[];
}

/** The frozen held-out set, with a check that no file changed since it was frozen. */
export function heldOutSet(): HeldOutSet {
  const files = setFiles('held-out-');
  const frozen = new Map<string, string>();
  if (existsSync(FROZEN_FILE)) {
    for (const line of readFileSync(FROZEN_FILE, 'utf8').split('\n')) {
      const m = /^([0-9a-f]{64})\s+(\S+)$/.exec(line.trim());
      if (m) frozen.set(m[2], m[1]);
    }
  }
  const unfrozen = files.filter((f) => frozen.get(path.basename(f)) !== sha256(f)).map((f) => path.basename(f));
  // Each question carries its file as a tag (`file:held-out-c.json`), for the per-file breakdown.
  const questions = files.flatMap((f) => readSet(f).map((q) => ({ ...q, tags: [...q.tags, `file:${path.basename(f)}`] })));
  return { questions, files: files.map((f) => path.basename(f)), unfrozen };
}
