import { errInfo } from './core/log-error.js';
import { ConfigError, loadConfig } from './config.js';
import { createRuntime } from './runtime.js';

/** Process entry: `npm start` (tsx) or `node dist/main.js` (Docker). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const runtime = await createRuntime(config);
  // Listen first: platforms start posting as soon as the webhook is set in start().
  const server = await runtime.listen(config.PORT);
  await runtime.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  runtime.log.info(
    { port, engine: runtime.database.engine, commune: runtime.defaultCommune.slug },
    `Trợ lý Xã is listening: open http://localhost:${port}/ to chat`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await runtime.stop();
      process.exit(0);
    } catch (error) {
      runtime.log.error({ err: errInfo(error) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('Fatal start-up error:', error instanceof Error ? error.message : error);
  process.exit(1);
});
