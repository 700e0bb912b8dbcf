import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { describeSchemaErrors, type SchemaError } from '../../src/http/validation-messages.ts';

// Fastify's own Ajv settings: coercion, defaults, first error only.
const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false });

function messageFor(schema: object, data: unknown, root = ''): string {
  const validate = ajv.compile(schema);
  expect(validate(data)).toBe(false);
  return describeSchemaErrors((validate.errors ?? []) as SchemaError[], root);
}

describe('validation messages', () => {
  it('names a query parameter and its bound', () => {
    const schema = { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } };
    expect(messageFor(schema, { limit: 501 })).toBe('limit: expected a number <= 500');
    expect(messageFor(schema, { limit: 'many' })).toBe('limit: expected an integer');
  });

  it('names a missing required field under the body', () => {
    const schema = { type: 'object', required: ['symbol'], properties: { symbol: { type: 'string' } } };
    expect(messageFor(schema, {}, 'alert')).toBe('alert.symbol: required');
  });

  it('names the property an additionalProperties schema refuses', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } };
    const strict = new Ajv({ allErrors: false }).compile(schema);
    strict({ a: 'x', note: 1 });
    expect(describeSchemaErrors((strict.errors ?? []) as SchemaError[], 'body')).toBe(
      'body: unknown property "note"',
    );
  });

  it('names array items by index and cuts long property names', () => {
    const schema = {
      type: 'object',
      properties: { s: { type: 'array', items: { type: 'string', maxLength: 3 } } },
    };
    expect(messageFor(schema, { s: ['ok', 'toolong'] }, 'x')).toBe('x.s[1]: expected at most 3 characters');
    const named = { type: 'object', propertyNames: { enum: ['a'] } };
    expect(messageFor(named, { ['k'.repeat(100)]: 1 }, 'x')).toBe(
      `x: unknown property "${'k'.repeat(40)}"; expected one of a`,
    );
  });
});
