import { describe, expect, it } from 'vitest';
import {
  chatRows,
  dossierRows,
  formatNumber,
  lastJsonLine,
  meets,
  pipelineRows,
  plans,
  renderResults,
  renderSection,
  PIPELINE_BASE_LOAD_PER_S,
  type Machine,
  type Section,
} from '../../bench/all.js';

const machine: Machine = {
  cpu: 'AMD EPYC',
  cores: 2,
  ramGb: 24,
  node: 'v20.20.2',
  postgres: 'PostgreSQL 15.20',
  os: 'Linux 6.1',
  commit: 'abc1234',
  loadAverageStart: [0.5, 1, 1.5],
  loadAverageEnd: [2, 1.75, 1.5],
  startedAt: '2026-12-06T18:00:00.000Z',
  finishedAt: '2026-12-06T18:40:00.000Z',
};

describe("a benchmark child's last JSON line", () => {
  it('is the last non-empty stdout line, after the table', () => {
    const stdout = 'metric  value\n------  -----\np99     3 ms\n{"p99Ms":3,"nested":{"a":1}}\n\n';
    expect(lastJsonLine(stdout)).toEqual({ p99Ms: 3, nested: { a: 1 } });
  });

  it('is refused with a clear message when the child printed only its table', () => {
    expect(() => lastJsonLine('metric  value\np99     3 ms\n')).toThrow(/last line is not a JSON object/);
    expect(() => lastJsonLine('')).toThrow(/printed nothing/);
    expect(() => lastJsonLine('{"p99Ms":')).toThrow(/not valid JSON/);
    expect(() => lastJsonLine('[1,2]')).toThrow(/not a JSON object/);
  });
});

describe('met or not met', () => {
  it('compares the figure with the target in the target’s direction', () => {
    expect(meets(4.9, { op: '<=', value: 5 })).toBe(true);
    expect(meets(5, { op: '<=', value: 5 })).toBe(true);
    expect(meets(5.1, { op: '<=', value: 5 })).toBe(false);
    expect(meets(1000, { op: '<', value: 1000 })).toBe(false);
    expect(meets(999, { op: '<', value: 1000 })).toBe(true);
    expect(meets(91.9, { op: '>=', value: 92 })).toBe(false);
    expect(meets(0, { op: '==', value: 0 })).toBe(true);
    expect(meets(3, { op: '==', value: 0 })).toBe(false);
  });

  it('is undecided without a target or without a figure', () => {
    expect(meets(3, undefined)).toBeNull();
    expect(meets(null, { op: '<=', value: 5 })).toBeNull();
    expect(meets(Number.NaN, { op: '<=', value: 5 })).toBeNull();
  });
});

describe('the markdown tables', () => {
  const section: Section = {
    id: 'dossiers-100k',
    title: 'Dossier lookup, 100,000 dossiers',
    command: 'tsx bench/dossiers/run.ts --rows 100000 --json',
    seconds: 42.5,
    rows: dossierRows({
      lookupP50Ms: 0.14,
      lookupP99Ms: 7.5,
      baselineLookupP50Ms: 70,
      baselineLookupP99Ms: 77,
      statsYearMaxMs: 255,
      baselineStatsMs: 1003.2,
      statsYearReceived: 200000,
    }),
  };

  it('put each figure beside its same-run baseline, its target and the verdict', () => {
    const md = renderSection(section);
    expect(md).toContain('| figure | measured | baseline (same run) | target | met |');
    expect(md).toContain('| lookup by receipt code p99 | 7.5 ms | 77 ms | ≤ 5 ms | **not met** |');
    expect(md).toContain('| statistics for one year, slowest run (200,000 received) | 255 ms | 1,003 ms | < 1,000 ms | met |');
    expect(md).toContain('| lookup by receipt code p50 | 0.14 ms | 70 ms |  |  |');
  });

  it('say a benchmark failed, with its error, instead of a table', () => {
    const md = renderSection({ ...section, rows: [], error: 'exit code 1: connect ECONNREFUSED | retry' });
    expect(md).toContain('**Failed:** exit code 1: connect ECONNREFUSED \\| retry');
    expect(md).not.toContain('| figure |');
  });

  it('label a quick run clearly and record the machine and its load', () => {
    const md = renderResults(machine, [section], true);
    expect(md.split('\n')[0]).toBe('# Benchmark results: QUICK RUN');
    expect(md).toContain('not the figures of record');
    expect(md).toContain('| CPU | AMD EPYC, 2 cores |');
    expect(md).toContain('| load average (1 / 5 / 15 min), start | 0.50 / 1.00 / 1.50 |');
    expect(md).toContain('| load average, end | 2.00 / 1.75 / 1.50 |');
    expect(md).toContain('Targets met: 1 of 2.');
    expect(renderResults(machine, [section], false).split('\n')[0]).toBe('# Benchmark results');
  });

  it('show a missing figure as a dash, never as zero', () => {
    expect(formatNumber(null, 'ms')).toBe('–');
    expect(formatNumber(0, 'ms')).toBe('0 ms');
    expect(formatNumber(88.14, '%')).toBe('88.1 %');
  });
});

describe('the pipeline runs', () => {
  it('are offered 1×, 4× and 16× the base load, and 16× is judged on the 500/s target', () => {
    const rates = plans(false)
      .filter((p) => p.group === 'pipeline')
      .map((p) => Number(p.args[p.args.indexOf('--rate') + 1]));
    expect(rates).toEqual([1, 4, 16].map((m) => m * PIPELINE_BASE_LOAD_PER_S));
    const at16 = pipelineRows({ postgres: { throughputPerS: 520 }, baseline: { throughputPerS: 600 } }, 600);
    expect(at16.find((r) => r.figure === 'PostgreSQL throughput')!.target).toEqual({ op: '>=', value: 588 });
    expect(plans(true).filter((p) => p.group === 'pipeline')).toHaveLength(1);
  });
});

describe('the chat benchmark rows', () => {
  it('read the held-out figures as percentages against the engine alone', () => {
    const rows = chatRows({
      heldOut: {
        shown: 0.926,
        engineShown: 0.937,
        declined: 0.904,
        engineDeclined: 0.902,
        inScopeMet: { office: 1, 'copy-request': 20 },
        baselineDiffers: 0,
        baselineSampled: 89,
      },
    });
    expect(rows[0]).toMatchObject({ value: 92.6, baseline: 93.7, unit: '%' });
    expect(rows[1]).toMatchObject({ value: 90.4, baseline: 90.2, target: { op: '>=', value: 90 } });
    expect(rows.map((r) => r.value).slice(2)).toEqual([1, 20, 0]);
    expect(rows[4]).toMatchObject({ target: { op: '==', value: 0 }, note: 'of 89 questions sampled' });
    expect(chatRows({})[0].value).toBeNull();
  });
});
