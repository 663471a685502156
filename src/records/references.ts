/**
 * Which fields of the orchestrator's records hold ids of other records. Used to refuse
 * deleting a record that live records still reference, and by import to check
 * references within the imported set plus the store. Pure data.
 */

export interface ReferenceField {
  /** The collection whose records hold the reference. */
  from: string;
  field: string;
  /** The collection the id names. */
  to: string;
  /** The field holds a list of ids (task spec `dependencies`). */
  many: boolean;
  /** Checked when such a record is written (createX, import); list fields only guard deletes. */
  checkedOnWrite: boolean;
}

export const REFERENCE_FIELDS: readonly ReferenceField[] = [
  { from: 'task_specs', field: 'prd_id', to: 'prds', many: false, checkedOnWrite: true },
  { from: 'task_specs', field: 'dependencies', to: 'task_specs', many: true, checkedOnWrite: false },
  { from: 'executions', field: 'ts_id', to: 'task_specs', many: false, checkedOnWrite: true },
  { from: 'dependencies', field: 'from_exec_id', to: 'executions', many: false, checkedOnWrite: true },
  { from: 'dependencies', field: 'to_exec_id', to: 'executions', many: false, checkedOnWrite: true },
];

/** A live record that references another. */
export interface Referrer {
  collection: string;
  id: string;
  field: string;
}
