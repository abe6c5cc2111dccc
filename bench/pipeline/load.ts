import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { RESIDENT_SCRIPT } from './questions.js';

/** One commune's Telegram bot as the load generator sees it. */
export interface Bot {
  botId: string;
  token: string;
  communeId: number;
}

export interface LoadOptions {
  /** http://127.0.0.1:port of the server under test. */
  baseUrl: string;
  /** Webhook secret every bot was registered with. */
  secret: string;
  bots: Bot[];
  /** Residents per bot; resident k writes to bot k % bots. */
  chatsPerBot: number;
  /** First chat id of this run (runs use disjoint ranges). */
  chatIdBase: number;
  /** First update_id of this run (unique across bots and runs, so also the message_id). */
  updateIdBase: number;
  /** Offered webhooks per second (open loop: sent on schedule, whether or not replies came back). */
  ratePerS: number;
  durationS: number;
  /** Leading seconds excluded from latency statistics (JIT, pools and caches warming up). */
  warmupS: number;
  /** Webhook requests in flight at most (Telegram itself keeps up to 40 connections per bot). */
  maxInFlight: number;
}

export interface SentUpdate {
  updateId: number;
  token: string;
  chatId: number;
  text: string;
  /** When the schedule said to send it; latency counts from here, so generator backlog is not hidden. */
  scheduledAt: number;
  sentAt: number;
  ackedAt: number;
  status: number;
  attempts: number;
  warmup: boolean;
}

export interface LoadResult {
  updates: SentUpdate[];
  startedAt: number;
  /** All webhooks acknowledged (or given up). */
  finishedAt: number;
  webhookRetries: number;
  /** performance.timeOrigin of the thread that measured (epoch ms = timeOrigin + its performance.now()). */
  timeOrigin: number;
}

/**
 * Open-loop load: webhook i is due at start + i / rate, to resident i mod N,
 * so each resident writes every N / rate seconds (kept above 1 s: Telegram
 * allows a bot about one message per second per chat). A webhook answered
 * with anything but 200 is redelivered, as Telegram does.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const totalChats = opts.bots.length * opts.chatsPerBot;
  const total = Math.round(opts.ratePerS * opts.durationS);
  const interval = 1000 / opts.ratePerS;
  const warmupCount = Math.round(opts.ratePerS * opts.warmupS);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxInFlight });
  const url = new URL(opts.baseUrl);
  const updates: SentUpdate[] = [];
  const queue: SentUpdate[] = [];
  let inFlight = 0;
  let acked = 0;
  let webhookRetries = 0;
  let next = 0;

  const startedAt = performance.now();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const build = (i: number): SentUpdate => {
    const k = i % totalChats;
    const turn = Math.floor(i / totalChats);
    const bot = opts.bots[k % opts.bots.length];
    return {
      updateId: opts.updateIdBase + i,
      token: bot.token,
      chatId: opts.chatIdBase + k,
      text: RESIDENT_SCRIPT[(k * 7 + turn) % RESIDENT_SCRIPT.length],
      scheduledAt: startedAt + i * interval,
      sentAt: 0,
      ackedAt: 0,
      status: 0,
      attempts: 0,
      warmup: i < warmupCount,
    };
  };
  const botOf = new Map(opts.bots.map((b) => [b.token, b]));

  const send = (u: SentUpdate) => {
    inFlight++;
    u.attempts++;
    if (!u.sentAt) u.sentAt = performance.now();
    const body = JSON.stringify({
      update_id: u.updateId,
      message: {
        message_id: u.updateId,
        from: { id: u.chatId, is_bot: false, first_name: 'Cư dân', language_code: 'vi' },
        chat: { id: u.chatId, first_name: 'Cư dân', type: 'private' },
        date: Math.floor(Date.now() / 1000),
        text: u.text,
      },
    });
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/webhooks/telegram/${botOf.get(u.token)!.botId}`,
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-telegram-bot-api-secret-token': opts.secret,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => settle(res.statusCode ?? 0));
      },
    );
    req.on('error', () => settle(0));
    req.end(body);

    function settle(status: number) {
      inFlight--;
      u.status = status;
      if (status === 200) {
        u.ackedAt = performance.now();
        acked++;
      } else if (u.attempts < 20) {
        webhookRetries++;
        setTimeout(() => {
          queue.push(u);
          pump();
        }, 200);
      } else {
        acked++; // given up: counted as lost by the caller
      }
      pump();
      if (acked === total && next === total) finish();
    }
  };

  const pump = () => {
    while (inFlight < opts.maxInFlight && queue.length) send(queue.shift()!);
  };

  const tick = () => {
    const now = performance.now();
    while (next < total && startedAt + next * interval <= now) {
      const u = build(next++);
      updates.push(u);
      queue.push(u);
    }
    pump();
    if (next < total) setTimeout(tick, Math.max(0, Math.min(5, startedAt + next * interval - performance.now())));
  };
  tick();
  if (total === 0) finish();
  await done;
  agent.destroy();
  return { updates, startedAt, finishedAt: performance.now(), webhookRetries, timeOrigin: performance.timeOrigin };
}
