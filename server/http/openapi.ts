import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { RouteDef } from './route';

/**
 * The OpenAPI 3.1 document of the API, generated from the same route definitions and zod
 * schemas that validate requests, so the two cannot drift apart.
 */
export function buildOpenApiDocument(routes: RouteDef[], version: string): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
    const operation: ZodOpenApiOperationObject = {
      operationId: route.id,
      summary: route.summary,
      tags: route.tags,
      security: route.auth === 'public' ? [] : route.auth === 'user' ? [{ bearer: [] }] : [{ bearer: [] }, { apiKey: [] }],
      ...(route.permission ? { description: `Requires permission \`${route.permission[0]}\` on \`${route.permission[1]}\`.` } : {}),
      requestParams: {
        ...(route.schema?.params ? { path: route.schema.params as never } : {}),
        ...(route.schema?.query ? { query: route.schema.query as never } : {}),
      },
      ...(route.schema?.body
        ? { requestBody: { required: true, content: Object.fromEntries(contentTypes(route).map((type) => [type, { schema: route.schema!.body! }])) } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, spec]) => [
          status,
          { description: spec.description, ...(spec.schema ? { content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } } } : {}) },
        ]),
      ),
    };
    paths[`/api/v1${path}`] = { ...(paths[`/api/v1${path}`] ?? {}), [route.method]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Gemba API',
      version,
      description:
        'Versioned BPMN processes for regulated manufacturing. Errors are RFC 9457 application/problem+json. ' +
        'People authenticate with POST /api/v1/auth/login and send `Authorization: Bearer <token>`; external systems send `X-API-Key`.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths,
  });
}

function contentTypes(route: RouteDef): string[] {
  return (route.bodyTypes ?? ['json']).map((type) => (type === 'json' ? 'application/json' : type === 'xml' ? 'application/xml' : 'text/plain'));
}
