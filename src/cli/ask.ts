import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config.js';
import { silentLogger } from '../core/logger.js';
import { createRuntime } from '../runtime.js';

/**
 * `npm run ask -- "câu hỏi"`: the bot's reply through the same pipeline, printed.
 * `--session <id>` keeps conversation state between calls; `--action <id>` taps a button.
 */
const args = process.argv.slice(2);
let session = 'cli-default';
let action: string | undefined;
const words: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--session') session = args[++i] ?? session;
  else if (args[i] === '--action') action = args[++i];
  else words.push(args[i]);
}
const text = words.join(' ');
if (!text && !action) {
  console.error('Usage: npm run ask -- "câu hỏi" [--session id] [--action id]');
  process.exit(2);
}
const config = loadConfig();
const runtime = await createRuntime(config, { log: silentLogger });
try {
  const result = await runtime.dispatcher.handle({
    channel: 'cli',
    communeId: runtime.defaultCommune.id,
    chatId: session,
    userId: session,
    externalId: randomUUID(),
    text: text || undefined,
    action,
  });
  for (const reply of result.replies) {
    console.log(reply.text);
    for (const b of reply.buttons ?? [])
      console.log(`  [${b.label}]${b.action ? ` --action ${b.action}` : ''}${b.url ? ` ${b.url}` : ''}`);
    console.log();
  }
} finally {
  await runtime.stop();
}
