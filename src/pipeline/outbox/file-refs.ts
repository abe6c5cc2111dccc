import type { Reply, ReplyFileRef, StoredReply } from '../../core/types.js';

/**
 * Turns a queued file's ref (`notice-attachment:<token>`) into its content, or undefined when the file no longer
 * exists (the notice was deleted): the message is then given up. A throw is a passing failure (retried).
 */
export type FileResolver = (ref: string) => Promise<{ contentBase64: string } | undefined>;

export interface FileCacheOptions {
  /** Total base64 characters kept at once (about the bytes held in memory). */
  maxChars?: number;
  /** How long a resolved file (or its absence) is reused. */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  value: Promise<{ contentBase64: string } | undefined>;
  chars: number;
}

/**
 * A small cache in front of a {@link FileResolver}: a notice's 20,000 sends read its file once (per `ttlMs`),
 * not 20,000 times, and sends that start together share one read. Bounded by total size (oldest dropped
 * first) and a short time to live; a failed read is not kept, so the retry reads again.
 */
export function createFileCache(resolve: FileResolver, opts: FileCacheOptions = {}) {
  const { maxChars = 20 * 1024 * 1024, ttlMs = 2 * 60_000, now = Date.now } = opts;
  // Insertion order is age order: the first entries are the oldest.
  const entries = new Map<string, Entry>();
  let total = 0;

  function drop(ref: string): void {
    const e = entries.get(ref);
    if (!e) return;
    total -= e.chars;
    entries.delete(ref);
  }

  function evict(): void {
    const t = now();
    for (const [ref, e] of entries) if (t - e.at > ttlMs) drop(ref);
    for (const ref of entries.keys()) {
      if (total <= maxChars) break;
      drop(ref);
    }
  }

  return function get(ref: string): Promise<{ contentBase64: string } | undefined> {
    evict();
    const hit = entries.get(ref);
    if (hit) return hit.value;
    const entry: Entry = { at: now(), chars: 0, value: resolve(ref) };
    entries.set(ref, entry);
    entry.value.then(
      (file) => {
        if (entries.get(ref) !== entry) return;
        // A miss is not remembered: the sends waiting for it share it, the next ones ask again.
        if (!file) {
          entries.delete(ref);
          return;
        }
        entry.chars = file.contentBase64.length;
        total += entry.chars;
        // A file larger than the whole budget is served to the sends waiting for it but not kept.
        if (entry.chars > maxChars) drop(ref);
        else evict();
      },
      () => {
        if (entries.get(ref) === entry) entries.delete(ref);
      },
    );
    return entry.value;
  };
}

/** Whether a stored reply's file is a reference (nothing of it to drop once sent). */
export function isFileRef(file: StoredReply['file']): file is ReplyFileRef {
  return typeof (file as ReplyFileRef | undefined)?.ref === 'string';
}

/**
 * The reply a channel adapter gets: a referenced file replaced by its content. `gone` when the ref no longer
 * resolves; `no_resolver` when the worker was built without one (a configuration error, not retried either).
 */
export async function withFileContent(
  payload: StoredReply,
  resolve: ((ref: string) => Promise<{ contentBase64: string } | undefined>) | undefined,
): Promise<{ reply: Reply } | { missing: 'gone' | 'no_resolver' }> {
  const file = payload.file;
  if (!isFileRef(file)) return { reply: payload as Reply };
  if (!resolve) return { missing: 'no_resolver' };
  const content = await resolve(file.ref);
  if (!content) return { missing: 'gone' };
  const { name, mimeType, ref } = file;
  return { reply: { ...payload, file: { name, mimeType, contentBase64: content.contentBase64, ref } } };
}
