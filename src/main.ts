import { errInfo } from './core/log-error.js';
import { ConfigError, loadConfig, loadEnvironment, startupSummary } from './config.js';
import { createRuntime } from './runtime.js';

/** Process entry: `npm start` (tsx) or `node dist/main.js` (Docker). */
async function main(): Promise<void> {
  let config;
  let envFile: string | undefined;
  try {
    const environment = loadEnvironment();
    envFile = environment.envFile;
    config = loadConfig(environment.env);
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
  // Names and addresses only (config.ts startupSummary): no password, token, key or personal data.
  const { warnings, ...summary } = startupSummary(config, envFile);
  runtime.log.info(
    { port, commune: runtime.defaultCommune.slug, ...summary },
    `Trợ lý Xã is listening: open http://localhost:${port}/ to chat`,
  );
  for (const warning of warnings) runtime.log.warn({ setting: 'PUBLIC_URL' }, warning);

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
