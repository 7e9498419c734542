// hjnet serve: the service's own entry (src/service/server.ts), with --host, --port and
// --data-dir set in its environment first.
import { parseServeArgs } from './options.js';
import { EXIT, SERVE_HELP } from './usage.js';

/** Resolves once the server entry is loaded; the server then runs until a signal closes it. */
export async function serveCommand(args: string[]): Promise<number | undefined> {
  const settings = parseServeArgs(args);
  if (settings.help) {
    process.stdout.write(SERVE_HELP);
    return EXIT.ok;
  }
  Object.assign(process.env, settings.env);
  await import('../service/server.js');
  return undefined;
}
