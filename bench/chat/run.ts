/**
 * `npm run bench:chat [-- --json] [--tuning]`
 *
 * The answers as residents meet them: every frozen held-out question (with `--tuning`, the tuning set too) sent
 * through the web chat of a full runtime on PGlite with the real catalog, each from a new session, and the
 * replies read the way a resident reads them. Between the question and the procedure engine stand the chat's
 * other handlers (the office's contact, record copies, reports, dossier lookup, small talk); `bench:search`
 * measures the engine alone and cannot see one of them taking a procedure question.
 *
 * The baseline, measured in the same run on the same questions, is the engine alone: the right procedure among
 * what the chat would show of its response (the answer, or up to four choices), and out-of-scope questions
 * declined as bench/search/scoring.ts counts them. In the chat, a question counts as shown when a reply carries
 * the right procedure's code (an answer's buttons, one of up to four choices; the copy request for a question
 * about copies of extracts). Only counts are printed for held-out questions, never the questions: reading them would make
 * them tuning questions. With --json the last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../../src/db/client.js';
import { createProcedureEngine, type ProcedureEngine } from '../../src/features/procedures/engine.js';
import { loadShipped } from '../../src/features/procedures/examples-data.js';
import { NOT_UNDERSTOOD, RECEPTION_LABEL } from '../../src/features/assistant/index.js';
import { COPY_REQUEST_OPENING } from '../../src/features/civil-records/request-flow.js';
import { startTestRuntime } from '../../test/helpers/runtime.js';
import { loadSnapshot, toSearchable } from '../search/catalog.js';
import { frac, input, outcomeOf, score } from '../search/scoring.js';
import { heldOutSet, tuningSet, type BenchQuestion } from '../search/sets.js';

interface ChatReply {
  text: string;
  buttons?: { label: string; action?: string; url?: string }[];
}

/** How the chat met a question, as a resident would read its replies. */
type Met =
  | 'shown' // the right procedure is in a reply (in scope)
  | 'other-procedure' // procedures, none of them the right one (in scope), or any procedure (out of scope)
  | 'elsewhere' // where else to go, no procedure
  | 'declined' // "not understood", with staff one tap away
  | 'office' // the office's hours, address or phone
  | 'copy-request' // the civil-record copy flow took it
  | 'other'; // another feature's reply (reports, dossiers, small talk, menu)

const CODE = /\b\d{1,2}\.\d{6}\b/g;
/** Copies of civil-status extracts, the procedure the chat's copy request serves. */
const COPY_PROCEDURE = '2.000635';
/** One question in this many is also asked of the runtime's search API (see `measure`). */
const SAMPLE_EVERY = 25;

function classify(q: BenchQuestion, replies: ChatReply[]): Met {
  const first = replies[0]?.text ?? '';
  // The copy request names its procedure (2.000635) in its text: the right handling of a question for that copy.
  if (first.includes(COPY_REQUEST_OPENING)) return q.expected?.includes(COPY_PROCEDURE) ? 'shown' : 'copy-request';
  if (first.includes(RECEPTION_LABEL)) return 'office';
  // Codes in the replies other than "go elsewhere" (whose "see the provincial procedure" buttons the engine's
  // response does not carry, so the baseline could not count them).
  const offered = replies.filter((r) => !r.text.startsWith('ℹ️'));
  const codes = new Set([
    ...offered
      .flatMap((r) => (r.buttons ?? []).map((b) => b.action ?? ''))
      .filter((a) => a.startsWith('proc:'))
      .map((a) => a.split(':').pop()!),
    ...offered.flatMap((r) => r.text.match(CODE) ?? []),
  ]);
  if (q.expected && q.expected.some((c) => codes.has(c))) return 'shown';
  if (codes.size) return 'other-procedure';
  if (first.startsWith('ℹ️')) return 'elsewhere';
  if (first.startsWith(NOT_UNDERSTOOD)) return 'declined';
  return 'other';
}

const MET: Met[] = ['shown', 'other-procedure', 'elsewhere', 'declined', 'office', 'copy-request', 'other'];

/** A full runtime on an embedded PGlite database of its own (whatever TEST_DATABASE_URL says), seeded with the real catalog. */
async function startRuntime() {
  // The runtime migrates it as it starts.
  const database = await createDatabase({});
  const rt = await startTestRuntime({}, { database });
  return {
    baseUrl: rt.baseUrl,
    close: async () => {
      await rt.close();
      await database.close();
    },
  };
}

async function ask(baseUrl: string, text: string): Promise<ChatReply[]> {
  const session = await fetch(`${baseUrl}/api/v1/chat/session`, { method: 'POST' });
  const { sessionId } = (await session.json()) as { sessionId: string };
  const res = await fetch(`${baseUrl}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId, text }),
  });
  if (!res.ok) throw new Error(`chat answered ${res.status}`);
  return ((await res.json()) as { replies: ChatReply[] }).replies;
}

/** The runtime's own engine, through `GET /api/v1/procedures/search`: its decision and first procedure. */
async function served(baseUrl: string, text: string): Promise<{ decision: string; first: string | undefined }> {
  const res = await fetch(`${baseUrl}/api/v1/procedures/search?q=${encodeURIComponent(text)}&limit=5`);
  if (!res.ok) throw new Error(`the search API answered ${res.status}`);
  const body = (await res.json()) as { decision: string; results: { code: string }[] };
  return { decision: body.decision, first: body.results[0]?.code };
}

interface SetFigures {
  n: number;
  inScope: number;
  outOfScope: number;
  /** In scope: the right procedure in a reply (chat) / among what the engine would show (baseline). */
  shown: number;
  engineShown: number;
  /** Out of scope: no procedure offered (elsewhere, declined, office, another feature). */
  declined: number;
  engineDeclined: number;
  /** In scope, by how the chat met them. */
  inScopeMet: Record<Met, number>;
  outOfScopeMet: Record<Met, number>;
  /** Questions on which the runtime's search API and the baseline engine decide differently (should be 0). */
  baselineDiffers: number;
  baselineSampled: number;
}

async function measure(baseUrl: string, engine: ProcedureEngine, questions: BenchQuestion[]): Promise<SetFigures> {
  const outcomes = questions.map((q) => outcomeOf(engine.search(input(q), { limit: 5 })));
  const engineScore = score(questions, outcomes, []);
  // What the chat would show of the engine's response: the answer, or up to four choices.
  const engineShown = questions.filter((q, i) => {
    const o = outcomes[i];
    const shown = o.decision === 'answer' ? o.top.slice(0, 1) : (o.candidates ?? []).slice(0, 4);
    return q.expected?.some((c) => shown.includes(c));
  }).length;
  const inScopeMet = Object.fromEntries(MET.map((m) => [m, 0])) as Record<Met, number>;
  const outOfScopeMet = Object.fromEntries(MET.map((m) => [m, 0])) as Record<Met, number>;
  // The baseline must be the engine the runtime serves: its search API (built from the database the runtime
  // seeded) is asked for one question in SAMPLE_EVERY (the public API allows 120 requests a minute), and
  // disagreements with the baseline engine are counted.
  let differs = 0;
  let sampled = 0;
  for (const [i, q] of questions.entries()) {
    const met = classify(q, await ask(baseUrl, input(q)));
    (q.expected ? inScopeMet : outOfScopeMet)[met]++;
    if (i % SAMPLE_EVERY || input(q).length > 500) continue;
    sampled++;
    const api = await served(baseUrl, input(q));
    if (api.decision !== outcomes[i].decision || api.first !== outcomes[i].top[0]) differs++;
  }
  const inScope = questions.filter((q) => q.expected).length;
  const outOfScope = questions.length - inScope;
  return {
    n: questions.length,
    inScope,
    outOfScope,
    shown: frac(inScopeMet.shown, inScope),
    engineShown: frac(engineShown, inScope),
    declined: frac(outOfScope - outOfScopeMet['other-procedure'], outOfScope),
    engineDeclined: engineScore.outOfScopeDeclined,
    inScopeMet,
    outOfScopeMet,
    baselineDiffers: differs,
    baselineSampled: sampled,
  };
}

async function main() {
  const json = process.argv.includes('--json');
  const held = heldOutSet();
  if (held.unfrozen.length) throw new Error(`held-out files changed since frozen: ${held.unfrozen.join(', ')}`);
  const started = performance.now();
  const rt = await startRuntime();
  try {
    // The baseline: the engine built as the runtime builds it, from the shipped snapshot and examples.
    const { examples, model: exampleModel } = loadShipped();
    const engine = createProcedureEngine(loadSnapshot().map(toSearchable), { examples, exampleModel });
    const sets: Record<string, SetFigures> = { heldOut: await measure(rt.baseUrl, engine, held.questions) };
    if (process.argv.includes('--tuning')) sets.tuning = await measure(rt.baseUrl, engine, tuningSet());
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const log = json ? console.error : console.log;
    log(
      `Answers through the web chat (full runtime, PGlite, real catalog), ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const [name, f] of Object.entries(sets)) {
      log(`\n${name}: ${f.n} questions (${f.inScope} in scope, ${f.outOfScope} out of scope)`);
      log(`${'figure'.padEnd(52)} ${'chat'.padStart(8)} ${'engine alone (baseline)'.padStart(24)}`);
      log(`${'right procedure shown (in scope)'.padEnd(52)} ${pct(f.shown).padStart(8)} ${pct(f.engineShown).padStart(24)}`);
      log(
        `${'no procedure offered (out of scope)'.padEnd(52)} ${pct(f.declined).padStart(8)} ${pct(f.engineDeclined).padStart(24)}`,
      );
      log(
        `  the runtime's search API and the baseline engine disagree on ${f.baselineDiffers} of ${f.baselineSampled} questions sampled`,
      );
      log(`\n  how the chat met them       in scope   out of scope`);
      for (const m of MET)
        log(`  ${m.padEnd(26)} ${String(f.inScopeMet[m]).padStart(9)} ${String(f.outOfScopeMet[m]).padStart(14)}`);
    }
    if (json) console.log(JSON.stringify(sets));
  } finally {
    await rt.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
