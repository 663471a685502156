/** The ui's pure rules: the Host check, board columns, the table filter, routes, formatting. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boardColumns, progressOf } from '../../src/ui/server/board.js';
import { allowedHosts, hostAllowed, isLoopback, urlHost } from '../../src/ui/server/host-check.js';
import { formatFilter, parseFilter } from '../../src/ui/web/filter.js';
import { clip, formatDuration, formatTime, leaseText, uniquePrefixes, valueText } from '../../src/ui/web/format.js';
import { LEASE_CLOCK_SKEW_MS, MAX_LEASE_MS } from '../../src/index.js';
import { href, parseRoute } from '../../src/ui/web/router.js';
import { wasRewritten } from '../../src/ui/server/log-rewrites.js';

describe('Host check', () => {
  it('accepts the bound loopback address and the other loopback names, on the bound port only', () => {
    const allowed = allowedHosts('127.0.0.1', 4711, []);
    for (const h of ['127.0.0.1:4711', 'localhost:4711', 'LOCALHOST:4711', '[::1]:4711']) expect(hostAllowed(h, allowed), h).toBe(true);
    for (const h of ['127.0.0.1:4712', 'localhost', 'evil.example:4711', '127.0.0.1.nip.io:4711', '', '127.0.0.1:4711.evil', 'localhost.:4711']) {
      expect(hostAllowed(h, allowed), h).toBe(false);
    }
    expect(hostAllowed(undefined, allowed)).toBe(false);
  });

  it('accepts exactly a named host, and the local addresses when bound to every interface', () => {
    expect([...allowedHosts('myhost.lan', 8080, [])]).toEqual(['myhost.lan:8080']);
    const wild = allowedHosts('0.0.0.0', 80, ['192.168.1.7', 'fe80::1']);
    for (const h of ['192.168.1.7', '192.168.1.7:80', '[fe80::1]:80', 'localhost']) expect(hostAllowed(h, wild), h).toBe(true);
    expect(hostAllowed('192.168.1.8:80', wild)).toBe(false);
  });

  it('never accepts a name that is not in the list (property)', () => {
    const allowed = allowedHosts('127.0.0.1', 4711, []);
    fc.assert(
      fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), (name, port) => {
        fc.pre(name !== 'localhost');
        expect(hostAllowed(`${name}:${port}`, allowed)).toBe(false);
      }),
    );
  });

  it('writes URLs a browser can open', () => {
    expect(urlHost('127.0.0.1', 4711)).toBe('127.0.0.1:4711');
    expect(urlHost('::1', 4711)).toBe('[::1]:4711');
    expect(urlHost('0.0.0.0', 4711)).toBe('127.0.0.1:4711');
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});

describe('board columns', () => {
  it('places specs by status; pending is ready only when every dependency is complete', () => {
    const specs = [
      { id: 'a', status: 'complete', dependencies: [] },
      { id: 'b', status: 'pending', dependencies: ['a'] },
      { id: 'c', status: 'pending', dependencies: ['a', 'b'] },
      { id: 'd', status: 'pending', dependencies: ['gone'] },
      { id: 'e', status: 'running', dependencies: ['zzz'] },
      { id: 'f', status: 'failed', dependencies: [] },
      { id: 'g', status: 'blocked', dependencies: [] },
      { id: 'h', status: 'pending', dependencies: ['x'] },
      { id: 'i', status: 'weird', dependencies: [] },
    ];
    const outside: Record<string, string> = { x: 'complete' };
    const byId = new Map(specs.map((s) => [s.id, s.status]));
    expect(boardColumns(specs, (id) => byId.get(id) ?? outside[id])).toEqual({
      a: 'complete',
      b: 'ready',
      c: 'blocked',
      d: 'blocked',
      e: 'running',
      f: 'failed',
      g: 'blocked',
      h: 'ready',
      i: 'blocked',
    });
    expect(progressOf(specs)).toEqual({ complete: 1, total: 9 });
  });

  it('ready ⇔ pending and all dependencies complete (property)', () => {
    const status = fc.constantFrom('pending', 'blocked', 'running', 'complete', 'failed');
    const arb = fc.array(fc.record({ status, dependencies: fc.array(fc.nat(12), { maxLength: 4 }) }), { maxLength: 12 });
    fc.assert(
      fc.property(arb, (raw) => {
        const specs = raw.map((s, i) => ({ id: `s${i}`, status: s.status, dependencies: s.dependencies.map((d) => `s${d}`) }));
        const byId = new Map(specs.map((s) => [s.id, s.status]));
        const cols = boardColumns(specs, (id) => byId.get(id));
        for (const s of specs) {
          const ready = s.status === 'pending' && s.dependencies.every((d) => byId.get(d) === 'complete');
          expect(cols[s.id] === 'ready').toBe(ready);
          if (['running', 'complete', 'failed'].includes(s.status)) expect(cols[s.id]).toBe(s.status);
        }
      }),
    );
  });
});

describe('table filter', () => {
  it('reads field=value pairs, JSON scalars and a JSON where', () => {
    expect(parseFilter('')).toEqual({});
    expect(parseFilter('status=open, n=3 done=true x=null owner=ana=b')).toEqual({ status: 'open', n: 3, done: true, x: null, owner: 'ana=b' });
    expect(parseFilter('{"n":{"gt":2}}')).toEqual({ n: { gt: 2 } });
    expect(() => parseFilter('oops')).toThrow('"oops" is not field=value');
    expect(() => parseFilter('=x')).toThrow('is not field=value');
    expect(() => parseFilter('[1]')).toThrow('is not field=value');
    expect(() => parseFilter('{"a":')).toThrow();
    // Digits JSON does not read as a number (a leading zero) are text, kept as typed.
    expect(parseFilter('zip=007 n=0 m=-0.5 v=01.5')).toEqual({ zip: '007', n: 0, m: -0.5, v: '01.5' });
    expect(formatFilter({ zip: '00' })).toBe('zip=00');
  });

  it('refuses a field given twice, and keeps __proto__ as a field (not dropped: that would match everything)', () => {
    expect(() => parseFilter('status=open owner=ana status=done')).toThrow('status is given twice');
    // In the JSON form too: JSON.parse kept the last value without a word.
    expect(() => parseFilter('{"status":"open","status":"done"}')).toThrow('status is given twice');
    expect(() => parseFilter('{"n":{"gt":1,"gt":5}}')).toThrow('n.gt is given twice');
    expect(parseFilter('{"a":{"gt":1},"b":{"gt":5}}')).toEqual({ a: { gt: 1 }, b: { gt: 5 } });
    // The message names the member, not only the key: which of the fields has gt twice?
    expect(() => parseFilter('{"a":{"gt":1},"b":{"lt":9,"gt":1,"gt":5}}')).toThrow(/^b\.gt is given twice/);
    const where = parseFilter('__proto__=x n=1');
    expect(Object.keys(where)).toEqual(['__proto__', 'n']);
    expect(JSON.stringify(where)).toBe('{"__proto__":"x","n":1}');
  });

  it('reads id as text and updated_at as a number in every collection, as the CLI does (id=5 found no record: the number 5 is no id)', () => {
    expect(parseFilter('id=5 updated_at=1700000000000')).toEqual({ id: '5', updated_at: 1700000000000 });
    expect(parseFilter('id=true')).toEqual({ id: 'true' });
    expect(() => parseFilter('updated_at=abc')).toThrow('updated_at is a time in milliseconds (a number), not "abc"');
    expect(formatFilter({ id: '5' })).toBe('id=5');
    expect(formatFilter({ id: 5 })).toBe('{"id":5}');
    expect(formatFilter({ updated_at: 'x' })).toBe('{"updated_at":"x"}');
  });

  it('formatFilter and parseFilter round-trip (property)', () => {
    const key = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_.]{0,8}$/), fc.constantFrom('id', 'updated_at'));
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.record({ gt: fc.integer() }));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (where) => {
        expect(parseFilter(formatFilter(where))).toEqual(where);
      }),
    );
  });
});

describe('routes', () => {
  it('parses every view and builds hrefs that parse back', () => {
    expect(parseRoute('')).toEqual({ view: 'prds', params: new URLSearchParams() });
    expect(parseRoute('#/')).toEqual({ view: 'prds', params: new URLSearchParams() });
    const prds = parseRoute(href.prds(new URLSearchParams({ offset: '100' })));
    expect(prds.view === 'prds' && prds.params.get('offset')).toBe('100');
    expect(parseRoute(href.board('a/b c'))).toEqual({ view: 'board', id: 'a/b c' });
    expect(parseRoute(href.graph('x'))).toEqual({ view: 'graph', id: 'x' });
    expect(parseRoute(href.record('r'))).toEqual({ view: 'record', id: 'r' });
    expect(parseRoute(href.collections())).toEqual({ view: 'collections' });
    const coll = parseRoute(href.collection('notes', new URLSearchParams({ where: '{"a":"b c"}', offset: '50' })));
    expect(coll.view === 'collection' && coll.name === 'notes' && coll.params.get('where') === '{"a":"b c"}' && coll.params.get('offset') === '50').toBe(true);
    const ex = parseRoute(href.executions(new URLSearchParams({ status: 'running' })));
    expect(ex.view === 'executions' && ex.params.get('status') === 'running').toBe(true);
    expect(parseRoute('#/nowhere')).toEqual({ view: 'not-found', hash: '/nowhere' });
    expect(parseRoute('#/record/%E0%A4%A')).toEqual({ view: 'record', id: '%E0%A4%A' });
  });

  it('a link whose query gives a parameter twice is an error naming it, never a view of the first value', () => {
    for (const [hash, name] of [
      ['#/executions?status=running&status=failed', 'status'],
      ['#/executions?offset=0&offset=50', 'offset'],
      ['#/collection/notes?where=%7B%7D&where=%7B%22a%22%3A1%7D', 'where'],
      ['#/collection/notes?orderBy=id&orderBy=-id', 'orderBy'],
    ] as const) {
      const route = parseRoute(hash);
      expect(route.view, hash).toBe('bad-link');
      expect(route.view === 'bad-link' && route.message).toBe(`this link gives "${name}" more than once; a link holds one value per parameter`);
    }
  });

  it("a link with a parameter its view does not read, or an offset that is not a whole number, is an error naming it", () => {
    const bad = (hash: string) => {
      const route = parseRoute(hash);
      return route.view === 'bad-link' ? route.message : `not refused: ${route.view}`;
    };
    expect(bad('#/executions?stauts=running')).toBe('this link\'s "stauts" is not a parameter of this view (it reads status, offset)');
    expect(bad('#/collection/notes?limit=5')).toBe('this link\'s "limit" is not a parameter of this view (it reads where, orderBy, offset)');
    for (const offset of ['abc', '-5', '1e3', '1.5', ' 5']) {
      expect(bad(`#/executions?offset=${encodeURIComponent(offset)}`)).toBe(`this link's offset must be a whole number (got ${JSON.stringify(offset)})`);
    }
    expect(bad('#/?offset=abc')).toBe('this link\'s offset must be a whole number (got "abc")');
    expect(bad('#/?limit=5')).toBe('this link\'s "limit" is not a parameter of this view (it reads offset)');
    expect(bad('#/collections?x=1')).toBe('this link\'s "x" is not a parameter of this view (it reads none)');
  });

  it('keeps every character of a query that holds a second "?" (nothing after it is dropped)', () => {
    const route = parseRoute('#/executions?status=running?x');
    expect(route.view === 'executions' && route.params.get('status')).toBe('running?x');
  });

  it('every link the page builds parses back to its view (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), (where, orderBy, offset) => {
        const p = new URLSearchParams();
        if (where !== '') p.set('where', where);
        if (orderBy !== '') p.set('orderBy', orderBy);
        if (offset > 0) p.set('offset', String(offset));
        const route = parseRoute(href.collection('notes', p));
        return route.view === 'collection' && route.params.toString() === p.toString();
      }),
    );
  });
});

describe('formatting', () => {
  it('formats durations, values and clipped text', () => {
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(NaN)).toBe('—'); // a start written as text: no duration, not "NaNd NaNh"
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3 * 3600_000 + 60_000)).toBe('3h 01m');
    expect(formatDuration(50 * 3600_000)).toBe('2d 2h');
    expect(valueText('<b>')).toBe('<b>');
    expect(valueText({ a: [1] })).toBe('{"a":[1]}');
    expect(valueText(undefined)).toBe('');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });

  it("judges a lease by the store's claim rule: one ending further ahead than any lease can (a claimer's clock far ahead) has ended", () => {
    const now = 1_800_000_000_000;
    expect(leaseText(now + 90_000, now)).toEqual({ ended: false, text: 'lease 1m 30s left' });
    expect(leaseText(now, now)).toEqual({ ended: false, text: 'lease 0s left' }); // as the store: ended once it is before now
    expect(leaseText(now - 1, now)).toEqual({ ended: true, text: 'lease expired' });
    expect(leaseText(now + MAX_LEASE_MS + LEASE_CLOCK_SKEW_MS, now).ended).toBe(false);
    // A year ahead: the board said 'lease 365d 0h left' while every claim took the spec.
    expect(leaseText(now + 365 * 24 * 3600_000, now)).toEqual({ ended: true, text: 'lease ends too far ahead (a wrong clock): claimable' });
  });

  it('shows a timestamp no Date can hold (past ±8.64e15 ms: a hand-written line, a broken clock) as its number', () => {
    expect(formatTime(9e15)).toBe('9000000000000000');
    expect(formatTime(-9e15)).toBe('-9000000000000000');
    expect(formatTime(0)).toMatch(/^19(69|70)-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});

describe('unique id prefixes', () => {
  it('lengthens a prefix only as far as needed to tell ids apart', () => {
    const m = uniquePrefixes(['0192aa01-x', '0192aa02-y', '0193ffff-z', 'ab'], 4);
    expect([...m.entries()]).toEqual([
      ['0192aa01-x', '0192aa01'],
      ['0192aa02-y', '0192aa02'],
      ['0193ffff-z', '0193'],
      ['ab', 'ab'],
    ]);
  });

  it('every prefix is a prefix of its id and of no other id (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{1,12}$/), { maxLength: 30 }), (ids) => {
        const m = uniquePrefixes(ids, 3);
        for (const id of ids) {
          const p = m.get(id)!;
          expect(id.startsWith(p)).toBe(true);
          // Unique unless the id itself is a prefix of another (then the whole id is shown).
          if (p.length < id.length) expect(ids.filter((o) => o.startsWith(p))).toEqual([id]);
        }
      }),
    );
  });
});

describe('log rewrites', () => {
  it('a new inode, a smaller file, a write of equal length or a removed log is a rewrite; growth and a first sight are not', () => {
    const at = (ino: number, size: number, mtimeNs = 1n) => ({ ino, size, mtimeNs });
    expect(wasRewritten(at(1, 90), at(2, 90))).toBe(true); // compact: renamed over
    expect(wasRewritten(at(1, 90), at(1, 40, 2n))).toBe(true); // truncated in place
    expect(wasRewritten(at(1, 90), at(1, 90, 2n))).toBe(true); // an edit of equal length saved in place
    expect(wasRewritten(at(1, 90), undefined)).toBe(true);
    expect(wasRewritten(at(1, 90), at(1, 120, 2n))).toBe(false); // an append
    expect(wasRewritten(at(1, 90), at(1, 90))).toBe(false);
    expect(wasRewritten(undefined, at(1, 90))).toBe(false); // a new collection's lines come as changes
  });
});
