#!/usr/bin/env node
// The hjnet command: `hjnet serve` and `hjnet train` (see usage.ts). Exit codes: 0 done, 1 failed,
// 2 bad command line, 130 cancelled.
import { version } from '../service/lib/version.js';
import { serveCommand } from './serve-command.js';
import { trainCommand } from './train-command.js';
import { EXIT, MAIN_HELP, SERVE_HELP, TRAIN_HELP, UsageError } from './usage.js';

const HELP: Record<string, string> = { serve: SERVE_HELP, train: TRAIN_HELP };

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      process.stderr.write(MAIN_HELP);
      return EXIT.usage;
    case '-h':
    case '--help':
      process.stdout.write(MAIN_HELP);
      return EXIT.ok;
    case '-v':
    case '--version':
      process.stdout.write(`${version}\n`);
      return EXIT.ok;
    case 'help': {
      const topic = rest[0];
      if (topic !== undefined && !(topic in HELP)) throw new UsageError(`Unknown command ${JSON.stringify(topic)}`);
      process.stdout.write(topic === undefined ? MAIN_HELP : HELP[topic]);
      return EXIT.ok;
    }
    case 'serve':
      return serveCommand(rest);
    case 'train':
      return trainCommand(rest);
    default:
      throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      const help = err.command ? `hjnet ${err.command} --help` : 'hjnet --help';
      process.stderr.write(`hjnet: ${err.message}\nSee ${help}.\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const e = err as Error | undefined;
    process.stderr.write(`hjnet: ${e?.message ?? String(err)}\n`);
    if (process.env.HJNET_DEBUG && e?.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = EXIT.error;
  },
);
