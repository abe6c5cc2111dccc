import { describe, expect, it } from 'vitest';
import { createFileCache, withFileContent } from '../../../src/pipeline/outbox/file-refs.js';

/** The delivery worker's cache of files queued by reference (a notice's attachment). Synthetic data. */
function counting(files: Record<string, string>) {
  const reads: string[] = [];
  const resolve = async (ref: string) => {
    reads.push(ref);
    return ref in files ? { contentBase64: files[ref] } : undefined;
  };
  return { reads, resolve };
}

describe('the file cache of the delivery worker', () => {
  it('reads a file once for many sends, including sends that start together', async () => {
    const { reads, resolve } = counting({ 'notice-attachment:a': 'QUJD' });
    const get = createFileCache(resolve);
    const all = await Promise.all(Array.from({ length: 20 }, () => get('notice-attachment:a')));
    await get('notice-attachment:a');
    expect(all.every((f) => f?.contentBase64 === 'QUJD')).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it('reads again after its time to live, and drops the oldest file past its size budget', async () => {
    let t = 0;
    const { reads, resolve } = counting({ a: 'A'.repeat(60), b: 'B'.repeat(60) });
    const get = createFileCache(resolve, { maxChars: 100, ttlMs: 1_000, now: () => t });
    await get('a');
    await get('b'); // 120 characters: 'a' goes
    await get('b');
    await get('a');
    expect(reads).toEqual(['a', 'b', 'a']);
    t = 2_000;
    await get('a');
    expect(reads).toEqual(['a', 'b', 'a', 'a']);
  });

  it('does not keep a miss: a file not yet sendable is asked for again by the next send', async () => {
    const files: Record<string, string> = {};
    const { reads, resolve } = counting(files);
    const get = createFileCache(resolve);
    expect(await get('notice-attachment:later')).toBeUndefined();
    files['notice-attachment:later'] = 'QUJD';
    expect(await get('notice-attachment:later')).toEqual({ contentBase64: 'QUJD' });
    expect(reads).toHaveLength(2);
  });

  it('does not keep a failed read: the retry reads again', async () => {
    let fail = true;
    let reads = 0;
    const get = createFileCache(async () => {
      reads++;
      if (fail) throw new Error('database unavailable');
      return { contentBase64: 'QUJD' };
    });
    await expect(get('x')).rejects.toThrow('database unavailable');
    fail = false;
    await expect(get('x')).resolves.toEqual({ contentBase64: 'QUJD' });
    expect(reads).toBe(2);
  });
});

describe('a queued reply handed to the channel', () => {
  const file = { name: 'ke-hoach.pdf', mimeType: 'application/pdf' };
  it('gets the content of a referenced file; an inline file passes as it is', async () => {
    const resolve = async (ref: string) => (ref === 'r1' ? { contentBase64: 'QUJD' } : undefined);
    expect(await withFileContent({ text: 't', file: { ...file, ref: 'r1' } }, resolve)).toEqual({
      reply: { text: 't', file: { ...file, contentBase64: 'QUJD', ref: 'r1' } },
    });
    const inline = { text: 't', file: { ...file, contentBase64: 'WFla' } };
    expect(await withFileContent(inline, resolve)).toEqual({ reply: inline });
  });

  it('reports a file that no longer exists, or a worker without a resolver', async () => {
    expect(await withFileContent({ text: 't', file: { ...file, ref: 'gone' } }, async () => undefined)).toEqual({
      missing: 'gone',
    });
    expect(await withFileContent({ text: 't', file: { ...file, ref: 'r1' } }, undefined)).toEqual({ missing: 'no_resolver' });
  });
});
