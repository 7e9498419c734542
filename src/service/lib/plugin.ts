// A plugin whose decorators and hooks reach its parent (what fastify-plugin does, without the
// dependency): Fastify skips the encapsulation of functions marked 'skip-override'.
import type { FastifyPluginAsync } from 'fastify';

export function shared<Options extends Record<string, unknown> = Record<never, never>>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  const marked = plugin as FastifyPluginAsync<Options> & Record<symbol, unknown>;
  marked[Symbol.for('skip-override')] = true;
  marked[Symbol.for('fastify.display-name')] = name;
  return plugin;
}
