// The entry point of `npm start`: reads the environment, starts the server, and closes it
// gracefully (in-flight requests finish) on SIGINT/SIGTERM or a fatal error.
import closeWithGrace from 'close-with-grace';
import { engineInfo } from '../engine/index.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { SAMPLE_INTERVAL_MS } from './plugins/external/under-pressure.js';

function logger(config: Config) {
  // Human-readable logs on a terminal; JSON lines everywhere else (pino-pretty is a dev dependency).
  if (process.stdout.isTTY) {
    return { level: config.logLevel, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } };
  }
  return { level: config.logLevel };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hjnet: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // The native pool reads HJNET_THREADS when the addon loads: checked above, used as given.
  if (config.threads !== null) process.env.HJNET_THREADS = String(config.threads);
  // The addon reads HJNET_DEVICE on every call. cuda with no usable device would fail every
  // computation: stop here instead, with the addon's reason.
  process.env.HJNET_DEVICE = config.device;
  if (config.device === 'cuda') {
    try {
      engineInfo();
    } catch (err) {
      process.stderr.write(`hjnet: ${(err as Error).message}\n`);
      process.exit(78); // EX_CONFIG
    }
  }

  let log: ReturnType<typeof logger> = logger(config);
  if (process.stdout.isTTY) {
    try {
      await import('pino-pretty');
    } catch {
      log = { level: config.logLevel }; // production install without dev dependencies
    }
  }
  const app = await buildApp({ config, logger: log });
  closeWithGrace({ delay: 10_000, logger: { error: (msg: unknown) => app.log.error(msg) } }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'closing after a fatal error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });
  // Start-up (schema compilation) blocks the event loop once; under-pressure would shed the
  // first requests for it. Listen once two samples have passed and the delay is back down.
  await app.ready();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(2 * SAMPLE_INTERVAL_MS + 10);
  for (let waited = 0; app.isUnderPressure() && waited < 5000; waited += 50) await sleep(50);
  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`hjnet: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
