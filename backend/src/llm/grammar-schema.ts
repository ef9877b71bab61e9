import type { GbnfJsonSchema } from 'node-llama-cpp';
import { AppError } from '../../../app/contracts/errors';

/**
 * node-llama-cpp builds its JSON grammar from a subset of JSON Schema. Clients such as the AI SDK
 * send draft-7 schemas (from zod) with keywords that subset lacks: they are translated where the
 * meaning survives (anyOf → oneOf, definitions → $defs, nullable) and dropped where they only
 * narrow values (minimum, pattern, …), since the caller validates the parsed object anyway.
 * Notable differences of the grammar: every listed property is generated (`required` is moot), and
 * properties come in schema order.
 */
export type GrammarSchemaResult = { schema: GbnfJsonSchema; dropped: string[] };

type Json = Record<string, unknown>;

const ANY_JSON: Json = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }],
};
const GRAMMAR_FORMATS = new Set(['date-time', 'time', 'date']);
/** Keywords that carry no meaning for generation and are dropped silently. */
const IGNORED = new Set(['$schema', '$id', '$comment', 'title', 'default', 'examples', 'required', 'readOnly', 'writeOnly', 'deprecated', 'strict']);
const BASIC_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

export function toGrammarSchema(input: unknown): GrammarSchemaResult {
  const dropped = new Set<string>();
  if (!isObject(input)) throw invalid('response_format schema must be a JSON object');
  const rootDefs = { ...asObject(input.definitions), ...asObject(input.$defs) };
  const convert = (node: unknown, at: string): Json => {
    if (node === true) return ANY_JSON;
    if (node === false || !isObject(node)) throw invalid(`unsupported schema at ${at}`);
    for (const key of Object.keys(node)) {
      if (!KNOWN.has(key) && !IGNORED.has(key)) dropped.add(key);
    }
    const withDescription = (s: Json): Json => (typeof node.description === 'string' ? { ...s, description: node.description } : s);
    if (node.nullable === true) {
      const { nullable: _n, ...rest } = node;
      return { oneOf: [convert(rest, at), { type: 'null' }] };
    }
    if (typeof node.$ref === 'string') {
      const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(node.$ref);
      if (!m || !(m[1]! in rootDefs)) throw invalid(`unsupported $ref ${node.$ref} at ${at}`);
      return withDescription({ $ref: `#/$defs/${m[1]}` });
    }
    const alternatives = (node.oneOf ?? node.anyOf) as unknown;
    if (Array.isArray(alternatives)) {
      const { oneOf: _o, anyOf: _a, ...siblings } = node;
      const merged = alternatives.map((alt, i) => convert(mergeSiblings(siblings, alt), `${at}/oneOf/${i}`));
      return merged.length === 1 ? merged[0]! : withDescription({ oneOf: merged });
    }
    if (Array.isArray(node.allOf)) {
      if (node.allOf.length !== 1) throw invalid(`allOf with ${node.allOf.length} parts is not supported (at ${at})`);
      const { allOf: _a, ...siblings } = node;
      return convert(mergeSiblings(siblings, node.allOf[0]), at);
    }
    if ('const' in node) return withDescription({ const: node.const as Json['const'] });
    if (Array.isArray(node.enum)) return withDescription({ enum: node.enum });

    const types = Array.isArray(node.type) ? (node.type as unknown[]) : node.type === undefined ? undefined : [node.type];
    if (types === undefined) {
      if (isObject(node.properties) || node.additionalProperties !== undefined) return convert({ ...node, type: 'object' }, at);
      if (node.items !== undefined || node.prefixItems !== undefined) return convert({ ...node, type: 'array' }, at);
      return withDescription(ANY_JSON);
    }
    if (types.length > 1) {
      if (types.every((t) => typeof t === 'string' && BASIC_TYPES.has(t)) && !types.includes('string')) return withDescription({ type: types });
      return withDescription({ oneOf: types.map((t, i) => convert({ ...node, type: t, description: undefined }, `${at}/type/${i}`)) });
    }
    const type = types[0];
    switch (type) {
      case 'object': {
        const props = asObject(node.properties);
        const out: Json = { type: 'object' };
        if (Object.keys(props).length > 0) {
          out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, convert(v, `${at}/properties/${k}`)]));
        }
        const extra = node.additionalProperties;
        if (isObject(extra)) out.additionalProperties = convert(extra, `${at}/additionalProperties`);
        // JSON Schema allows any keys by default, the grammar none: an object with no declared
        // properties (a record, or `json_object`) must get explicit freedom to have any.
        else if (out.properties === undefined && extra !== false) out.additionalProperties = true;
        if (out.additionalProperties !== undefined) {
          if (typeof node.minProperties === 'number') out.minProperties = node.minProperties;
          if (typeof node.maxProperties === 'number') out.maxProperties = node.maxProperties;
        }
        return withDescription(out);
      }
      case 'array': {
        const out: Json = { type: 'array' };
        if (Array.isArray(node.items)) out.prefixItems = node.items.map((s, i) => convert(s, `${at}/items/${i}`));
        else if (node.items !== undefined) out.items = convert(node.items, `${at}/items`);
        if (Array.isArray(node.prefixItems)) out.prefixItems = node.prefixItems.map((s, i) => convert(s, `${at}/prefixItems/${i}`));
        if (isObject(node.additionalItems) && Array.isArray(node.items)) out.items = convert(node.additionalItems, `${at}/additionalItems`);
        if (typeof node.minItems === 'number') out.minItems = node.minItems;
        if (typeof node.maxItems === 'number') out.maxItems = node.maxItems;
        return withDescription(out);
      }
      case 'string': {
        if (typeof node.format === 'string' && GRAMMAR_FORMATS.has(node.format)) return withDescription({ type: 'string', format: node.format });
        if (node.format !== undefined) dropped.add('format');
        const out: Json = { type: 'string' };
        if (typeof node.minLength === 'number') out.minLength = node.minLength;
        if (typeof node.maxLength === 'number') out.maxLength = node.maxLength;
        return withDescription(out);
      }
      case 'number':
      case 'integer':
      case 'boolean':
      case 'null':
        return withDescription({ type });
      default:
        throw invalid(`unsupported type ${JSON.stringify(type)} at ${at}`);
    }
  };

  const root = convert(input, '#');
  const defs = Object.fromEntries(Object.entries(rootDefs).map(([k, v]) => [k, convert(v, `#/$defs/${k}`)]));
  const schema = (Object.keys(defs).length > 0 ? { ...root, $defs: defs } : root) as GbnfJsonSchema;
  return { schema, dropped: [...dropped].sort() };
}

/** Keywords this translation reads; anything else (minimum, pattern, …) is reported as dropped. */
const KNOWN = new Set([
  'type', 'description', 'properties', 'additionalProperties', 'minProperties', 'maxProperties', 'items', 'prefixItems',
  'additionalItems', 'minItems', 'maxItems', 'minLength', 'maxLength', 'format', 'enum', 'const', 'oneOf', 'anyOf',
  'allOf', '$ref', '$defs', 'definitions', 'nullable',
]);

function mergeSiblings(siblings: Json, alt: unknown): unknown {
  if (!isObject(alt)) return alt;
  // Siblings of a combinator (e.g. `type` next to `anyOf`) constrain every alternative.
  const { type, description: _d, $defs: _s, definitions: _f, ...rest } = siblings;
  const inheritsType = type !== undefined && alt.type === undefined && !['$ref', 'oneOf', 'anyOf', 'allOf', 'enum', 'const'].some((k) => k in alt);
  return { ...rest, ...(inheritsType ? { type } : {}), ...alt };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown): Json {
  return isObject(v) ? v : {};
}

function invalid(message: string): AppError {
  return new AppError('request.invalid', message, { status: 400 });
}
