/** The search box: records by id prefix or title. `/` focuses it; arrows move, Enter opens, Escape closes. */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { SearchResponse } from '../api-types.js';
import { getJson } from './api-client.js';
import { clip, uniquePrefixes } from './format.js';
import { href } from './router.js';

/** Characters of a result's title shown (about two lines of the list). */
const LABEL_MAX = 120;

export function SearchBox() {
  const [q, setQ] = useState('');
  // The answer with the term it answers: while a newer term's answer is on its way, the
  // older one is not shown, and Enter cannot open one of its records (typed fast, or on a
  // slow machine, "ind" answered before "indexer" did, and Enter opened the wrong record).
  const [answer, setAnswer] = useState<{ term: string; results: SearchResponse['results'] }>({ term: '', results: [] });
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA'].includes(target.tagName)) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const term = q.trim();
  const answered = answer.term === term;
  const results = answered ? answer.results : [];

  useEffect(() => {
    if (term === '') return;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      getJson<SearchResponse>(`/api/search?q=${encodeURIComponent(term)}`, ctl.signal).then(
        (r) => {
          setAnswer({ term, results: r.results });
          setActive(0);
          setOpen(true);
        },
        () => undefined,
      );
    }, 120);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [term]);

  // The chosen option stays in sight: 30 answers are taller than the list, and ↓ moved the
  // choice below its bottom edge, where Enter opened a record nobody could see.
  const list = useRef<HTMLUListElement>(null);
  // In the render's own task, so the option is in sight whenever it shows as chosen.
  useLayoutEffect(() => {
    list.current?.querySelector(`#search-result-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, answer]);

  const go = (id: string): void => {
    location.hash = href.record(id);
    setOpen(false);
    setQ('');
    input.current?.blur();
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, results.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const r = results[active];
      if (r !== undefined) go(r.id);
    } else if (e.key === 'Escape') {
      setOpen(false);
      input.current?.blur();
    }
  };

  const short = uniquePrefixes(results.map((r) => r.id));
  return (
    <div class="search" role="search">
      <input
        ref={input}
        type="search"
        value={q}
        placeholder="Search id or title  ( / )"
        aria-label="search records by id prefix or title"
        aria-controls="search-results"
        aria-expanded={open && results.length > 0}
        aria-activedescendant={open && results[active] !== undefined ? `search-result-${active}` : undefined}
        autocomplete="off"
        spellcheck={false}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => {
          setTimeout(() => setOpen(false), 150);
        }}
      />
      {open && term !== '' ? (
        <ul ref={list} class="search-results" id="search-results" role="listbox" data-testid="search-results">
          {answered && results.length === 0 ? <li class="muted">No match</li> : null}
          {results.map((r, i) => (
            <li key={`${r.collection}:${r.id}`} id={`search-result-${i}`} role="option" aria-selected={i === active} class={i === active ? 'active' : undefined}>
              <a href={href.record(r.id)} onMouseDown={(e) => { e.preventDefault(); go(r.id); }}>
                {/* A title of thousands of characters filled the whole list: clipped, in full on hover. */}
                <span class="label" title={r.label.length > LABEL_MAX ? clip(r.label, 2000) : undefined}>
                  {clip(r.label, LABEL_MAX)}
                </span>{' '}
                <span class="muted small">{r.collection} · {short.get(r.id)}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
