// Builds every docs/**/*.md into site/**/*.html, each page with a navigation to all pages.
// It understands the Markdown subset this site needs (headings, paragraphs, lists, code fences,
// links, `code` and **bold**) and nothing more, so the site builds with no dependencies, offline.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SITE_TITLE = '${{ values.name }}';
const root = fileURLToPath(new URL('..', import.meta.url));
const docsDir = path.join(root, 'docs');
const siteDir = path.join(root, 'site');

const STYLE = `
  body { margin: 0; font: 16px/1.6 system-ui, sans-serif; color: rgb(30, 30, 30); display: flex; }
  nav { min-width: 14rem; padding: 1.5rem; background: rgb(245, 246, 248); min-height: 100vh; }
  nav a { display: block; padding: 0.2rem 0; color: inherit; text-decoration: none; }
  nav a[aria-current] { font-weight: 600; }
  main { max-width: 48rem; padding: 1.5rem 2.5rem; }
  pre { background: rgb(245, 246, 248); padding: 1rem; overflow-x: auto; }
  code { font-size: 0.9em; }
`;

const sources = (await listMarkdown(docsDir)).sort(indexFirst);
const pages = await Promise.all(
  sources.map(async (source) => {
    const markdown = await readFile(path.join(docsDir, source), 'utf8');
    const title = /^#\s+(.+)$/m.exec(markdown)?.[1].trim() ?? path.basename(source, '.md');
    return { output: source.replace(/\.md$/, '.html'), title, markdown };
  }),
);

// Start from an empty site/, so a page removed from docs/ does not linger.
await rm(siteDir, { recursive: true, force: true });
for (const page of pages) {
  const file = path.join(siteDir, page.output);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, renderPage(page, pages));
}
console.log(`Built ${pages.length} pages into site/`);

async function listMarkdown(dir, prefix = '') {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix + entry.name;
    if (entry.isDirectory()) found.push(...(await listMarkdown(path.join(dir, entry.name), relative + '/')));
    else if (entry.name.endsWith('.md')) found.push(relative);
  }
  return found;
}

function indexFirst(a, b) {
  return Number(b === 'index.md') - Number(a === 'index.md') || a.localeCompare(b);
}

function renderPage(page, allPages) {
  const nav = allPages
    .map((other) => {
      const current = other === page ? ' aria-current="page"' : '';
      return `<a href="${relativeHref(page.output, other.output)}"${current}>${escapeHtml(other.title)}</a>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · ${SITE_TITLE}</title>
<style>${STYLE}</style>
</head>
<body>
<nav>
<strong>${SITE_TITLE}</strong>
${nav}
</nav>
<main>
${renderMarkdown(page.markdown)}
</main>
</body>
</html>
`;
}

function relativeHref(from, to) {
  return path.posix.relative(path.posix.dirname(from), to);
}

function renderMarkdown(markdown) {
  const html = [];
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) html.push(`<p>${renderInline(paragraph.join(' '))}</p>`);
    if (list) html.push(`<${list.tag}>${list.items.map((item) => `<li>${renderInline(item)}</li>`).join('')}</${list.tag}>`);
    paragraph = [];
    list = null;
  };
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^```\s*([\w-]*)/.exec(line);
    const heading = /^(#{1,6})\s+(.+)$/.exec(line);
    const item = /^\s*([-*]|\d+\.)\s+(.*)$/.exec(line);
    if (fence) {
      flush();
      const code = [];
      while (++i < lines.length && !lines[i].startsWith('```')) code.push(lines[i]);
      const language = fence[1] ? ` class="language-${fence[1]}"` : '';
      html.push(`<pre><code${language}>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if (heading) {
      flush();
      const level = heading[1].length;
      html.push(`<h${level} id="${slugify(heading[2])}">${renderInline(heading[2])}</h${level}>`);
    } else if (item) {
      if (paragraph.length) flush();
      const tag = /\d/.test(item[1]) ? 'ol' : 'ul';
      if (list && list.tag !== tag) flush();
      list ??= { tag, items: [] };
      list.items.push(item[2]);
    } else if (line.trim() === '') {
      flush();
    } else if (list) {
      list.items[list.items.length - 1] += ' ' + line.trim();
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  return html.join('\n');
}

function renderInline(text) {
  // Odd parts sit between backticks: code, shown as written.
  return text
    .split('`')
    .map((part, index) => {
      if (index % 2 === 1) return `<code>${escapeHtml(part)}</code>`;
      return escapeHtml(part)
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label, href) => `<a href="${pageHref(href)}">${label}</a>`)
        .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
    })
    .join('');
}

/** A link to another page names its Markdown file; on the site it is the page built from it. */
function pageHref(href) {
  if (/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(href)) return href;
  return href.replace(/\.md(?=$|#)/, '.html');
}

function slugify(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-');
}

function escapeHtml(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
