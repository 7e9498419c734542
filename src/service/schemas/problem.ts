// RFC 9457 problem details, the body of every error response.
import { Type, type Static } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String({ examples: ['about:blank'] }),
    title: Type.String({ examples: ['Bad Request'] }),
    status: Type.Integer({ examples: [400] }),
    detail: Type.String({ examples: ['Expected shape [B, 2] (d = 2 for this model) for X but received shape [1, 3]'] }),
    instance: Type.Optional(Type.String()),
    field: Type.Optional(Type.String({ description: 'The offending request field (validation errors)', examples: ['X'] })),
    expected: Type.Optional(Type.String()),
    received: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String({ description: 'The environment variable setting the limit that was hit' })),
    request_id: Type.Optional(Type.String()),
  },
  { title: 'Problem', description: 'RFC 9457 problem details' },
);

const content = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Unsafe<Static<typeof Problem>>(Type.Ref('Problem')) } },
});

/** Error responses shared by the routes, as Fastify response schemas. */
export const problems = {
  400: content('Invalid request: `field` names the offending field'),
  401: content('Missing or invalid API key (only when HJNET_API_KEYS is set)'),
  404: content('No such model'),
  413: content('Body larger than HJNET_BODY_LIMIT'),
  415: content('Body is not application/json'),
  422: content('Work B·N·K above HJNET_MAX_WORK, or output above HJNET_MAX_OUTPUT'),
  429: content('Rate limit exceeded (Retry-After)'),
  503: content('Overloaded (Retry-After)'),
} as const;

export function errorResponses<S extends keyof typeof problems>(...statuses: S[]): Pick<typeof problems, S> {
  return Object.fromEntries(statuses.map((s) => [s, problems[s]])) as Pick<typeof problems, S>;
}
