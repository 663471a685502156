/**
 * What the CLI knows about the built-in record types (SPEC 2.3): names for messages,
 * the schemas that give `--set` values their types, which fields refer to other
 * records (so they accept id prefixes), and how to read a record with its defaults.
 */
import {
  DependencySchema,
  ExecutionSchema,
  PrdSchema,
  RepoStateSchema,
  TaskSpecSchema,
  WorkflowSchema,
  type Store,
} from '../index.js';
import { storedSchema, withDefaults } from '../records/record-validation.js';
import { READ_DEFAULTS } from '../records/schemas.js';
import type { RecordSchema } from '../store/record-input.js';
import { fieldTypesOf, type FieldTypes } from './set-values.js';

export type BuiltInCollection = 'prds' | 'task_specs' | 'executions' | 'dependencies' | 'workflows' | 'repo_state';

interface Reference {
  collection: BuiltInCollection;
  what: string;
}

interface RecordType {
  /** Singular, for messages. */
  what: string;
  schema: { shape: Record<string, unknown>; parse(value: unknown): unknown };
  /** Fields holding ids of other records (an array field holds a list of them). */
  references: Record<string, Reference>;
}

const TYPES: Record<BuiltInCollection, RecordType> = {
  prds: { what: 'PRD', schema: PrdSchema, references: {} },
  task_specs: { what: 'task spec', schema: TaskSpecSchema, references: { prd_id: { collection: 'prds', what: 'PRD' }, dependencies: { collection: 'task_specs', what: 'task spec' } } },
  executions: { what: 'execution', schema: ExecutionSchema, references: { ts_id: { collection: 'task_specs', what: 'task spec' } } },
  dependencies: {
    what: 'dependency',
    schema: DependencySchema,
    references: { from_exec_id: { collection: 'executions', what: 'execution' }, to_exec_id: { collection: 'executions', what: 'execution' } },
  },
  workflows: { what: 'workflow', schema: WorkflowSchema, references: {} },
  repo_state: { what: 'repository state', schema: RepoStateSchema, references: {} },
};

export function isBuiltIn(collection: string): collection is BuiltInCollection {
  return Object.hasOwn(TYPES, collection);
}

/** `PRD`, `task spec` …, or `<collection> record` for generic collections. */
export function recordWhat(collection: string): string {
  return isBuiltIn(collection) ? TYPES[collection].what : `${collection} record`;
}

/** Field types of a built-in record type (undefined for generic collections: JSON-or-string). */
export function fieldTypesFor(collection: string): FieldTypes | undefined {
  return isBuiltIn(collection) ? fieldTypesOf(TYPES[collection].schema) : undefined;
}

/** Reference fields of a built-in record type. */
export function referencesOf(collection: string): Record<string, Reference> {
  return isBuiltIn(collection) ? TYPES[collection].references : {};
}

/** The schema every stored version of a built-in type must satisfy (errors name the field). */
export function storedSchemaFor(collection: string): RecordSchema<Record<string, unknown>> | undefined {
  return isBuiltIn(collection) ? (storedSchema(TYPES[collection].schema as never) as RecordSchema<Record<string, unknown>>) : undefined;
}

/** The current version, read the way the library's `getX` reads it (defaults filled in for built-in types). */
export function readRecord(store: Store, collection: string, id: string): Record<string, unknown> | undefined {
  switch (collection) {
    case 'prds':
      return store.getPrd(id);
    case 'task_specs':
      return store.getTaskSpec(id);
    case 'executions':
      return store.getExecution(id);
    case 'dependencies':
      return store.getDependency(id);
    case 'workflows':
      return store.getWorkflow(id);
    default:
      return store.collection({ name: collection }).get(id);
  }
}

/** Fills in the fields a stored version lacks, as the library's getters and list methods do. */
export function withReadDefaults<T extends object>(collection: string, record: T): T {
  const defaults = (READ_DEFAULTS as Record<string, Readonly<Record<string, unknown>> | undefined>)[collection];
  return defaults === undefined ? record : withDefaults(record, defaults);
}
