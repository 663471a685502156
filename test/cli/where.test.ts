/** `list --where` parsing (pure) and its effect through the built CLI. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { fieldTypesFor } from '../../src/cli/record-types.js';
import { jsonOrString } from '../../src/cli/set-values.js';
import { parseWhere, parseWhereArg } from '../../src/cli/where.js';
import { tempDir } from '../helpers/temp.js';
import { runCli, runJson, withStore } from './run-cli.js';

describe('parseWhereArg', () => {
  it('reads each operator, dotted paths, lists and dates', () => {
    expect(parseWhereArg('status=open')).toEqual({ field: 'status', op: 'eq', value: 'open' });
    expect(parseWhereArg('meta.owner=ana')).toEqual({ field: 'meta.owner', op: 'eq', value: 'ana' });
    expect(parseWhereArg('updated_at>1700000000000')).toEqual({ field: 'updated_at', op: 'gt', value: 1700000000000 });
    expect(parseWhereArg('n >= 3')).toEqual({ field: 'n', op: 'gte', value: 3 });
    expect(parseWhereArg('n<3')).toMatchObject({ op: 'lt', value: 3 });
    expect(parseWhereArg('n<=3')).toMatchObject({ op: 'lte', value: 3 });
    expect(parseWhereArg('status!=done')).toEqual({ field: 'status', op: 'ne', value: 'done' });
    expect(parseWhereArg('title~%a=b%')).toEqual({ field: 'title', op: 'like', value: '%a=b%' });
    expect(parseWhereArg('status in draft, ready,,x')).toEqual({ field: 'status', op: 'in', value: ['draft', 'ready', 'x'] });
    expect(parseWhereArg('created_at>=2025-01-31')).toMatchObject({ value: Date.UTC(2025, 0, 31) });
    expect(parseWhereArg('meta.seen_at<2025-01-31T12:00:00Z')).toMatchObject({ value: Date.UTC(2025, 0, 31, 12) });
    expect(parseWhereArg('title=a=b')).toEqual({ field: 'title', op: 'eq', value: 'a=b' });
    // Built-in types: a PRD title of digits stays a string, review_passes becomes a number.
    const prd = fieldTypesFor('prds');
    expect(parseWhereArg('title=123', prd).value).toBe('123');
    expect(parseWhereArg('review_passes>1', prd).value).toBe(1);
    expect(parseWhereArg('status in draft,ready', prd).value).toEqual(['draft', 'ready']);
    for (const bad of ['nofield', '=x', '1a=b', 'a..b=c', 'a.=b']) expect(() => parseWhereArg(bad)).toThrow(UsageError);
  });

  it('merges conditions on one field; __proto__ is just a field name', () => {
    const where = parseWhere(['n>1', 'n<5', '__proto__=x']);
    expect(where.n).toEqual({ gt: 1, lt: 5 });
    expect(Object.getPrototypeOf(where)).toBe(null);
    expect(Object.keys(where)).toEqual(['n', '__proto__']);
  });

  it('refuses the same operator twice on one field (one condition would be lost), naming both', () => {
    expect(() => parseWhere(['n>1', 'status=open', 'n>5'])).toThrow(UsageError);
    expect(() => parseWhere(['n>1', 'n>5'])).toThrow('--where "n>1" and --where "n>5" give n the same operator twice');
    expect(() => parseWhere(['s in a,b', 's in c'])).toThrow(UsageError);
    // Different operators on one field, or one operator on different fields, still combine.
    expect(parseWhere(['n>=1', 'n<9', 'm>1'])).toEqual({ n: { gte: 1, lt: 9 }, m: { gt: 1 } });
  });

  it('property: field=text is an equality on text read as JSON-or-string', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,5}){0,2}$/),
        fc.string().filter((s) => !/^[=><~!]/.test(s)),
        (field, text) => {
          expect(parseWhereArg(`${field}=${text}`)).toEqual({ field, op: 'eq', value: field.endsWith('_at') && /^\d{4}-\d\d-\d\d/.test(text.trim()) && Number.isFinite(Date.parse(text.trim())) ? Date.parse(text.trim()) : jsonOrString(text) });
        },
      ),
    );
  });
});

describe('list --where through the CLI', () => {
  it('filters by dotted paths and operators', () => {
    const dir = tempDir('taskstore-cli-');
    const store = `${dir}/.taskstore`;
    withStore(store, (s) => {
      s.collection({ name: 'notes' }).createMany([
        { id: 'n1', title: 'Checkout flow', n: 1, meta: { owner: 'ana', tags: { level: 2 } } },
        { id: 'n2', title: 'Search', n: 5, meta: { owner: 'bo' } },
        { id: 'n3', title: 'checkout API', n: 9 },
      ]);
    });
    const ids = (...where: string[]): string[] =>
      runJson<{ id: string }[]>(['list', 'notes', ...where.flatMap((w) => ['--where', w])], { cwd: dir }).map((r) => r.id).sort();
    expect(ids('meta.owner=ana')).toEqual(['n1']);
    expect(ids('meta.tags.level>=2')).toEqual(['n1']);
    expect(ids('meta.owner!=ana')).toEqual(['n2', 'n3']);
    expect(ids('n>1', 'n<=9')).toEqual(['n2', 'n3']);
    expect(ids('title~%checkout%')).toEqual(['n1', 'n3']);
    expect(ids('meta.owner in ana,bo')).toEqual(['n1', 'n2']);
    expect(ids('meta.owner=null')).toEqual(['n3']);
    const bad = runCli(['list', 'notes', '--where', 'meta..x=1'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/is not a condition/);
  });
});

describe('--where with spaces around the operator', () => {
  it("'status = ready' is status=ready, and 'status != ready' leaves the ready PRD out (the value was \" ready\": nothing matched, and != matched everything)", () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const [ready, draft] = withStore(`${cwd}/.taskstore`, (s) => [s.createPrd({ title: ' padded', status: 'ready' }), s.createPrd({ title: 'plain', status: 'draft' })]);
    const ids = (...where: string[]): string[] =>
      runJson<{ id: string }[]>(['list', 'prds', ...where.flatMap((w) => ['--where', w])], { cwd }).map((r) => r.id);
    expect(ids('status = ready')).toEqual([ready]);
    expect(ids('status != ready')).toEqual([draft]);
    expect(ids('status ~ rea%')).toEqual([ready]);
    expect(ids('review_passes >= 0', 'status = draft')).toEqual([draft]);
    // Without a space before the operator the value is the text after it, as written.
    expect(ids('title= padded')).toEqual([ready]);
    expect(ids('title=padded')).toEqual([]);
  });
});

describe('--where on a list field of the built-in types (task_specs.dependencies)', () => {
  it('compares the list as its JSON text: dependencies=[] finds specs without any, =null missing ones (it failed: "where.dependencies must be a string …")', () => {
    const cwd = tempDir('taskstore-cli-');
    expect(runCli(['init'], { cwd }).status).toBe(0);
    const prd = runJson<{ id: string }>(['create-prd', 'p'], { cwd }).id;
    const a = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'a'], { cwd }).id;
    const b = runJson<{ id: string }>(['create-task-spec', '--prd-id', prd, 'b', '--depends-on', a], { cwd }).id;
    const ids = (where: string) => {
      const r = runCli(['--json', 'list', 'task_specs', '--where', where], { cwd });
      expect(r.status, `${where}: ${r.stderr}`).toBe(0);
      return (JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id);
    };
    expect(ids('dependencies=[]')).toEqual([a]);
    expect(ids('dependencies!=[]')).toEqual([b]);
    expect(ids(`dependencies=${JSON.stringify([a])}`)).toEqual([b]);
    // Spaces between the tokens, as a person types a list: the same list.
    expect(ids(`dependencies=[ ${JSON.stringify(a)} ]`)).toEqual([b]);
    expect(ids(`dependencies~%${a}%`)).toEqual([b]);
    expect(ids('dependencies=null')).toEqual([]);
  });
});
