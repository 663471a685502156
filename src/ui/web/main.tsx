/**
 * The `taskstore ui` page: header (views, search, theme, live status) and the view of
 * the current hash route. Every record value is rendered as text (Preact escapes
 * children and attributes); the only HTML from a record is its markdown, sanitized.
 */
import { Component, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { useLive, versionOf } from './live.js';
import { href, useRoute, type Route } from './router.js';
import { SearchBox } from './search-box.js';
import { BoardView } from './views/board.js';
import { CollectionsView, CollectionView } from './views/collections.js';
import { ExecutionsView } from './views/executions.js';
import { GraphView } from './views/graph.js';
import { PrdListView } from './views/prd-list.js';
import { RecordView } from './views/record.js';

type Theme = 'auto' | 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('taskstore-theme') as Theme | null) ?? 'auto');
  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem('taskstore-theme', theme);
  }, [theme]);
  const next = (): void => setTheme((t) => (t === 'auto' ? 'dark' : t === 'dark' ? 'light' : 'auto'));
  return [theme, next];
}

/** `g` then a letter jumps to a view, as in many web apps. */
function useGoKeys(): void {
  useEffect(() => {
    let armed = false;
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (armed) {
        armed = false;
        const dest: Record<string, string> = { p: href.prds(), e: href.executions(), c: href.collections() };
        if (dest[e.key] !== undefined) location.hash = dest[e.key]!;
        return;
      }
      if (e.key === 'g') armed = true;
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}

/**
 * The collections a view shows, whose changes make it fetch again (undefined: all of
 * them). An agent's heartbeat on executions does not reload the PRD list.
 */
function watched(route: Route): readonly string[] | undefined {
  switch (route.view) {
    case 'prds':
    case 'board':
    case 'graph':
      return ['prds', 'task_specs'];
    case 'executions':
      return ['executions', 'task_specs'];
    case 'collection':
      return [route.name];
    default:
      return undefined;
  }
}

/**
 * The view, drawn again only when its route or its data's version moved. Every live
 * message re-renders the header (its counter); without this the view's whole tree was
 * diffed again too, for a change it does not show: with 10,000 PRDs on the list, each
 * write to another collection froze the page for about half a second.
 */
class CurrentView extends Component<{ route: Route; version: number }> {
  override shouldComponentUpdate(next: { route: Route; version: number }): boolean {
    return next.route !== this.props.route || next.version !== this.props.version;
  }

  override render() {
    return <View route={this.props.route} version={this.props.version} />;
  }
}

function View({ route, version }: { route: Route; version: number }) {
  switch (route.view) {
    case 'prds':
      return <PrdListView params={route.params} version={version} />;
    case 'board':
      return <BoardView id={route.id} version={version} />;
    case 'graph':
      return <GraphView id={route.id} version={version} />;
    case 'executions':
      return <ExecutionsView params={route.params} version={version} />;
    case 'record':
      return <RecordView id={route.id} version={version} />;
    case 'collections':
      return <CollectionsView version={version} />;
    case 'collection':
      return <CollectionView name={route.name} params={route.params} version={version} />;
    case 'bad-link':
      return (
        <div class="error" role="alert" data-testid="bad-link">
          {route.message}. <a href={href.prds()}>Back to the PRDs</a>
        </div>
      );
    default:
      return (
        <p class="muted">
          Nothing here. <a href={href.prds()}>Back to the PRDs</a>.
        </p>
      );
  }
}

function App() {
  const route = useRoute();
  const live = useLive();
  const [theme, nextTheme] = useTheme();
  useGoKeys();
  const section = route.view === 'board' || route.view === 'graph' || route.view === 'prds' ? 'prds' : route.view === 'executions' ? 'executions' : route.view === 'collection' || route.view === 'collections' ? 'collections' : '';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.prds()}>
          TaskStore
        </a>
        <nav class="main-nav" aria-label="views">
          <a href={href.prds()} aria-current={section === 'prds' ? 'page' : undefined} title="g p">PRDs</a>
          <a href={href.executions()} aria-current={section === 'executions' ? 'page' : undefined} title="g e">Executions</a>
          <a href={href.collections()} aria-current={section === 'collections' ? 'page' : undefined} title="g c">Collections</a>
        </nav>
        <SearchBox />
        <button type="button" class="theme" onClick={nextTheme} title="switch light / dark / system theme">
          {theme === 'auto' ? 'Theme: system' : theme === 'dark' ? 'Theme: dark' : 'Theme: light'}
        </button>
        <span class={`live ${live.connected ? 'on' : 'off'}`} data-testid="live" data-version={live.total} title={live.connected ? 'live: changes appear as they happen' : 'reconnecting…'}>
          {live.connected ? '● live' : '○ offline'}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <CurrentView route={route} version={versionOf(live, watched(route))} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
