import { type KindValidator, entityKindSchemaValidator } from '@backstage/catalog-model';

/**
 * The `Template` kind (`scaffolder.backstage.io/v1beta3`), so golden paths live in the catalog
 * like any other entity. The scaffolder checks steps and parameters in depth when it runs one.
 */
const templateSchema = {
  $schema: 'http://json-schema.org/draft-07/schema',
  $id: 'PavedTemplateV1beta3',
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { enum: ['scaffolder.backstage.io/v1beta3'] },
    kind: { enum: ['Template'] },
    spec: {
      type: 'object',
      required: ['type', 'steps'],
      properties: {
        type: { type: 'string', minLength: 1 },
        owner: { type: 'string', minLength: 1 },
        lifecycle: { type: 'string', minLength: 1 },
        system: { type: 'string', minLength: 1 },
        parameters: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
        steps: {
          type: 'array',
          items: {
            type: 'object',
            required: ['action'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              action: { type: 'string', minLength: 1 },
              input: { type: 'object' },
              if: { type: ['string', 'boolean'] },
              each: { type: ['string', 'array'] },
            },
          },
        },
        output: { type: 'object' },
      },
    },
  },
};

const validate = entityKindSchemaValidator(templateSchema);

export const templateEntityValidator: KindValidator = {
  async check(data) {
    return validate(data) !== false;
  },
};
