// Optional API keys (HJNET_API_KEYS). When set, every mutating route (config.auth = 'write')
// needs `Authorization: Bearer <key>`. Keys are compared as SHA-256 digests with
// timingSafeEqual: equal lengths whatever the key, so the comparison leaks neither content nor length.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { shared } from '../../lib/plugin.js';
import { HttpProblem } from '../../lib/problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'write': the route changes state and needs an API key when keys are configured. */
    auth?: 'write';
  }
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export function keyMatcher(keys: readonly string[]): (candidate: string) => boolean {
  const digests = keys.map(digest);
  return (candidate) => {
    const d = digest(candidate);
    let ok = false;
    // Every key is compared, so the time does not tell which one matched.
    for (const k of digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  };
}

const unauthorized = (detail: string): HttpProblem =>
  new HttpProblem(401, detail, {}, { 'www-authenticate': 'Bearer realm="hjnet"' });

export default shared('hjnet-auth', async (app: FastifyInstance) => {
  const keys = app.config.apiKeys;
  if (keys.length === 0) return;
  const matches = keyMatcher(keys);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config?.auth !== 'write') return;
    const header = request.headers.authorization;
    if (!header) throw unauthorized('This route changes state and needs Authorization: Bearer <key> (HJNET_API_KEYS is set)');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m || !matches(m[1])) throw unauthorized('Invalid API key');
  });
});
