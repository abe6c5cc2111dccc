import type { ChannelCapabilities, ChannelName } from '../core/types.js';

const DAY = 24 * 60 * 60_000;

/**
 * What each platform can do: the one place that knows it. Adapters declare
 * their entry; the pipeline and the features ask by capability, never by name.
 * The CLI has no adapter (it reads its replies from the database) but takes
 * part in the pipeline, so it has an entry too.
 */
export const CHANNEL_CAPABILITIES: Readonly<Record<ChannelName, ChannelCapabilities>> = {
  web: { buttons: 'native', contactSharing: false, files: true, delivery: 'pull' },
  cli: { buttons: 'native', contactSharing: false, files: false, delivery: 'pull' },
  // Telegram limits a bot to about 30 messages a second: broadcasts are paced (TELEGRAM_BROADCAST_PER_SECOND).
  telegram: { buttons: 'native', contactSharing: true, files: true, delivery: 'push', pacedBroadcasts: true },
  // Zalo OA shows buttons as a numbered list too; messages outside 7 days after the resident's last are refused.
  zalo: { buttons: 'numbered', contactSharing: true, files: true, delivery: 'push', replyWindowMs: 7 * DAY },
  // Zalo Bot Platform: buttons only as a numbered list, no file upload (the reply says where to get the file).
  zalobot: { buttons: 'numbered', contactSharing: false, files: false, delivery: 'push' },
};

/** The capabilities of a channel by name (a stored row's `channel`); unknown names get the web chat's. */
export function capabilitiesOf(channel: string): ChannelCapabilities {
  return CHANNEL_CAPABILITIES[channel as ChannelName] ?? CHANNEL_CAPABILITIES.web;
}

/** Channels whose replies are pulled by the client instead of pushed. */
export const PULL_CHANNELS: ReadonlySet<string> = new Set(
  Object.entries(CHANNEL_CAPABILITIES)
    .filter(([, c]) => c.delivery === 'pull')
    .map(([name]) => name),
);
