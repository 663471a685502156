/**
 * Markdown `content` of a record, rendered with marked and sanitized with DOMPurify
 * before it reaches the DOM: no script, event handler or `javascript:` link from a
 * record ever runs. Raw HTML in the markdown is sanitized the same way.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'preact/hooks';

let hooked = false;

/** Pure apart from DOMPurify's DOM: markdown text → safe HTML. */
function renderMarkdown(text: string): string {
  if (!hooked) {
    // Links from records open in a new tab without handing it this page.
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
      // Only inline (data:) images load: a relative path means nothing here, and a remote
      // one would tell its server who reads the record.
      if (node.tagName === 'IMG') {
        const src = node.getAttribute('src') ?? '';
        if (!/^data:image\/(png|gif|jpeg|webp);/i.test(src)) {
          node.removeAttribute('src');
          node.removeAttribute('srcset');
          node.setAttribute('title', `image not loaded: ${src}`);
        }
      }
    });
    hooked = true;
  }
  const html = marked.parse(text, { async: false, gfm: true });
  // Everything else that makes the browser fetch on its own goes too: srcset (also beside
  // a data: src), <picture>/<source>, <video>/<audio>/<track> (src, poster) and the
  // background attribute of tables and cells. Links stay: they fetch only when clicked.
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'svg', 'math', 'picture', 'source', 'video', 'audio', 'track'],
    FORBID_ATTR: ['style', 'srcset', 'background', 'poster'],
  });
}

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  if (text.trim() === '') return <p class="muted">No content.</p>;
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
