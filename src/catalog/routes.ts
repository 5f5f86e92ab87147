import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam, nameParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import type { EntityService } from './entity-service.js';
import type { LocationService } from './location-service.js';
import { DEFAULT_FULL_TEXT_FIELDS } from './model/entity-search.js';
import { parseFilterParams } from './store/entity-filter.js';
import type { OrderField } from './store/query-entities.js';

/** A query parameter that may be repeated, each occurrence possibly comma-separated. */
const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : [value].flat()));
const commaListParam = listParam.transform((values) => values.flatMap((value) => value.split(',')).map((v) => v.trim()).filter(Boolean));

const entitySchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional(), uid: z.string().optional(), etag: z.string().optional() }),
  spec: z.record(z.string(), z.unknown()).optional(),
  relations: z.array(z.looseObject({ type: z.string(), targetRef: z.string() })).optional(),
});
const partialEntitySchema = z.record(z.string(), z.unknown());
const locationSchema = z.object({ id: z.string(), type: z.string(), target: z.string() });
const problemSchema = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string(),
  document: z.number().optional(),
  line: z.number().optional(),
  path: z.string().optional(),
  entityRef: z.string().optional(),
});
const locationStatusSchema = locationSchema.extend({
  createdBy: z.string(),
  createdAt: z.string(),
  status: z.enum(['pending', 'ok', 'error']),
  lastReadAt: z.string().nullable(),
  entityCount: z.number(),
  errors: z.array(problemSchema),
});
const refParams = z.object({ kind: nameParam, namespace: nameParam, name: nameParam });
const limitParam = z.coerce.number().int().min(0).max(10_000);

function parseOrderFields(values: string[], separator: ',' | ':'): OrderField[] {
  return values.map((value) => {
    if (separator === ',') {
      const [field = '', order = 'asc'] = value.split(',');
      return { field: field.trim(), order: order.trim().toLowerCase() === 'desc' ? 'desc' : 'asc' };
    }
    const [order = 'asc', ...field] = value.split(':');
    return { field: field.join(':').trim(), order: order.trim().toLowerCase() === 'desc' ? 'desc' : 'asc' };
  });
}

/** The catalog API under `/api/catalog`, path for path and shape for shape as Backstage's. */
export function catalogRoutes(entities: EntityService, locations: LocationService): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/entities',
      {
        schema: {
          summary: 'List entities (Backstage legacy list): an array, optionally filtered, ordered and paged',
          querystring: z.object({
            filter: listParam,
            fields: commaListParam,
            order: listParam,
            limit: limitParam.optional(),
            offset: z.coerce.number().int().min(0).optional(),
            after: z.string().optional(),
          }),
          response: { 200: z.array(partialEntitySchema) },
        },
      },
      async (request, reply) => {
        const { filter, fields, order, limit, offset, after } = request.query;
        const page = after
          ? await entities.query({ cursor: after, limit: limit ?? 10_000, fields })
          : await entities.query({ filter: parseFilterParams(filter), fields, orderFields: parseOrderFields(order, ':'), limit: limit ?? 1_000_000, offset });
        if (page.pageInfo.nextCursor) reply.header('link', `<?after=${page.pageInfo.nextCursor}>; rel="next"`);
        return page.items;
      },
    );

    app.get(
      '/entities/by-query',
      {
        schema: {
          summary: 'Query entities with cursor paging, filters, ordering and full-text search',
          description: `Without fullTextFilterFields, the term matches ${DEFAULT_FULL_TEXT_FIELDS.join(', ')}.`,
          querystring: z.object({
            filter: listParam,
            fields: commaListParam,
            orderField: listParam,
            cursor: z.string().optional(),
            limit: limitParam.default(20),
            offset: z.coerce.number().int().min(0).optional(),
            fullTextFilterTerm: z.string().optional(),
            fullTextFilterFields: commaListParam,
            totalItems: z.string().optional(),
          }),
          response: { 200: z.object({ items: z.array(partialEntitySchema), totalItems: z.number(), pageInfo: z.object({ nextCursor: z.string().optional(), prevCursor: z.string().optional() }) }) },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.cursor) return entities.query({ cursor: q.cursor, limit: q.limit, fields: q.fields });
        return entities.query({
          filter: parseFilterParams(q.filter),
          fields: q.fields,
          orderFields: parseOrderFields(q.orderField, ','),
          limit: q.limit,
          offset: q.offset,
          ...(q.fullTextFilterTerm?.trim() ? { fullText: { term: q.fullTextFilterTerm, fields: q.fullTextFilterFields } } : {}),
        });
      },
    );

    app.post(
      '/entities/by-refs',
      {
        schema: {
          summary: 'Fetch entities by ref, in the order asked; null where one does not exist',
          querystring: z.object({ filter: listParam }),
          body: z.object({ entityRefs: z.array(z.string()).max(10_000), fields: z.array(z.string()).optional() }),
          response: { 200: z.object({ items: z.array(partialEntitySchema.nullable()) }) },
        },
      },
      async (request) => ({ items: await entities.getByRefs(request.body.entityRefs, request.body.fields ?? []) }),
    );

    app.get(
      '/entities/by-name/:kind/:namespace/:name',
      { schema: { summary: 'One entity by kind, namespace and name', params: refParams, response: { 200: entitySchema } } },
      async (request) => entities.getByRef(`${request.params.kind}:${request.params.namespace}/${request.params.name}`),
    );

    app.get(
      '/entities/by-name/:kind/:namespace/:name/ancestry',
      {
        schema: {
          summary: 'The entity and the entities it was derived from (Paved keeps no derivation chain: the entity alone)',
          params: refParams,
          response: { 200: z.object({ rootEntityRef: z.string(), items: z.array(z.object({ entity: entitySchema, parentEntityRefs: z.array(z.string()) })) }) },
        },
      },
      async (request) => {
        const ref = `${request.params.kind}:${request.params.namespace}/${request.params.name}`.toLowerCase();
        return { rootEntityRef: ref, items: [{ entity: await entities.getByRef(ref), parentEntityRefs: [] }] };
      },
    );

    app.get(
      '/entities/by-uid/:uid',
      { schema: { summary: 'One entity by uid', params: z.object({ uid: idParam }), response: { 200: entitySchema } } },
      async (request) => entities.getByUid(request.params.uid),
    );

    app.delete(
      '/entities/by-uid/:uid',
      { schema: { summary: 'Delete an entity (its owners or an administrator)', params: z.object({ uid: idParam }) } },
      async (request, reply) => {
        await entities.deleteByUid(principalOf(request), request.params.uid);
        return reply.status(204).send();
      },
    );

    app.post(
      '/entities',
      {
        schema: {
          summary: 'Apply descriptors directly (push model): YAML text, a JSON entity, or an array of them',
          body: z.unknown(),
          response: {
            200: z.object({ items: z.array(z.object({ entityRef: z.string(), status: z.enum(['created', 'updated', 'unchanged']), entity: entitySchema })) }),
          },
        },
      },
      async (request) => ({ items: await entities.apply(principalOf(request), request.body) }),
    );

    app.get(
      '/entity-facets',
      {
        schema: {
          summary: 'Counts of entities per value of each facet (e.g. kind, spec.type, relations.ownedBy)',
          querystring: z.object({ facet: listParam, filter: listParam }),
          response: { 200: z.object({ facets: z.record(z.string(), z.array(z.object({ value: z.string(), count: z.number() }))) }) },
        },
      },
      async (request) => ({ facets: await entities.facets(request.query.facet, parseFilterParams(request.query.filter)) }),
    );

    app.post(
      '/validate-entity',
      {
        schema: {
          summary: 'Validate a descriptor without storing it',
          body: z.object({ entity: z.unknown(), location: z.string().optional() }),
        },
      },
      async (request, reply) => {
        const problems = await entities.validate(request.body.entity);
        if (problems.length === 0) return reply.status(200).send({});
        return reply.status(400).send({
          errors: problems.map((problem) => ({ name: 'InputError', message: problem.message, ...(problem.path ? { path: problem.path } : {}) })),
        });
      },
    );

    app.post(
      '/refresh',
      { schema: { summary: "Re-read an entity's location now", body: z.object({ entityRef: z.string() }) } },
      async (request, reply) => {
        await locations.refreshEntity(principalOf(request), request.body.entityRef);
        return reply.status(200).send();
      },
    );

    app.post(
      '/locations',
      {
        schema: {
          summary: 'Register a location and read it; its entities are queryable when this returns',
          querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
          body: z.object({ type: z.enum(['url', 'file']), target: z.string().min(1).max(2048) }),
          response: {
            201: z.object({
              location: locationSchema,
              entities: z.array(entitySchema),
              exists: z.boolean().optional(),
              processing: z
                .object({ added: z.number(), updated: z.number(), unchanged: z.number(), removed: z.number(), entityCount: z.number(), problems: z.array(problemSchema) })
                .optional(),
            }),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await locations.add(principalOf(request), request.body, { dryRun: request.query.dryRun === 'true' })),
    );

    app.get(
      '/locations',
      { schema: { summary: 'Every registered location', response: { 200: z.array(z.object({ data: locationStatusSchema })) } } },
      async () => (await locations.list()).map((data) => ({ data })),
    );

    app.get(
      '/locations/:id',
      { schema: { summary: 'One location, with the problems of its last read', params: z.object({ id: idParam }), response: { 200: locationStatusSchema } } },
      async (request) => locations.get(request.params.id),
    );

    app.delete(
      '/locations/:id',
      { schema: { summary: 'Unregister a location and remove its entities', params: z.object({ id: idParam }) } },
      async (request, reply) => {
        await locations.remove(principalOf(request), request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/locations/by-entity/:kind/:namespace/:name',
      { schema: { summary: 'The location that provides an entity', params: refParams, response: { 200: locationStatusSchema } } },
      async (request) => locations.byEntity(`${request.params.kind}:${request.params.namespace}/${request.params.name}`),
    );
  };
}
