import type { Logger } from '../../core/logger.js';
import { createPeriodicJob } from '../../core/periodic.js';
import type { Db } from '../../db/client.js';
import { eraseExpiredPhotos, sweepUnreferencedPhotos } from './photo-retention.js';
import { createPhotoStore, type PhotoStore } from './photo-store.js';
import { downloadPendingPhotos, type PhotoDownloader } from './photo-worker.js';

export interface ReportPhotosOptions {
  db: Db;
  log: Logger;
  /** REPORT_PHOTOS_DIR, or `<DATA_DIR>/report-photos`. */
  dir: string;
  /** REPORT_PHOTO_MAX_BYTES. */
  maxBytes: number;
  /** REPORT_PHOTO_RETENTION_DAYS. */
  retentionDays: number;
  /** Fetches a photo from its platform; without one, platform photos stay references. */
  download?: PhotoDownloader;
  /** How often waiting downloads are looked for (default 10 s). */
  pollMs?: number;
  /** How often retention and the sweep of unreferenced files run (default hourly; also once at start). */
  retentionEveryMs?: number;
}

/** The report photos' store and their background work, started and stopped with the server. */
export interface ReportPhotos {
  readonly store: PhotoStore;
  readonly retentionDays: number;
  start(): void;
  stop(): Promise<void>;
  /** One pass of the downloads (tests, and the timer). */
  downloadNow(now?: Date): Promise<{ stored: number; failed: number }>;
  /** One pass of retention and the sweep (tests, and the timer). */
  eraseNow(now?: Date): Promise<{ reports: number; unreferenced: number }>;
}

/**
 * Report photos in the server: waiting platform photos are downloaded every
 * few seconds, and every hour the photos of reports closed longer than the
 * retention period are erased and unreferenced files swept. A pass never runs
 * twice at once in this process; its errors are logged (without personal
 * data) and the next pass tries again.
 */
export function createReportPhotos(o: ReportPhotosOptions): ReportPhotos {
  const store = createPhotoStore({ dir: o.dir, maxBytes: o.maxBytes });

  const downloadNow = async (now?: Date) =>
    o.download ? downloadPendingPhotos({ db: o.db, store, download: o.download, log: o.log, now }) : { stored: 0, failed: 0 };
  const eraseNow = async (now?: Date) => {
    const n = await eraseExpiredPhotos(o.db, store, { days: o.retentionDays, now });
    const unreferenced = await sweepUnreferencedPhotos(o.db, store, { now });
    if (n || unreferenced) o.log.info({ reports: n, unreferenced, retentionDays: o.retentionDays }, 'report photos erased');
    return { reports: n, unreferenced };
  };
  const jobs = [
    createPeriodicJob({ name: 'report photos: download pass', intervalMs: o.pollMs ?? 10_000, log: o.log, run: downloadNow }),
    createPeriodicJob({
      name: 'report photos: erase pass',
      intervalMs: o.retentionEveryMs ?? 3_600_000,
      firstRunMs: 0,
      log: o.log,
      run: eraseNow,
    }),
  ];

  return {
    store,
    retentionDays: o.retentionDays,
    downloadNow,
    eraseNow,
    start() {
      for (const job of jobs) job.start();
    },
    async stop() {
      await Promise.all(jobs.map((job) => job.stop()));
    },
  };
}
