import type { Client, ServerContext } from '../service/context.ts';
import { visibleImages } from '../service/images.ts';
import { COMMANDS } from '../protocol/command-table.ts';
import type { Reply } from '../service/reply.ts';

/**
 * The playground: pick a catalog image, type modifiers and see the rendered image as you type
 * (debounced), its size, bytes, time, response headers and properties (req=props), or the error
 * message; type a text layer over it; copy the URL; try saveToFile when saving is on; look commands up in the parser's own
 * table. One static page (no build step, no framework) and two JSON lists: images and commands.
 */
export async function playgroundImages(ctx: ServerContext, client: Client): Promise<Reply> {
  return { body: JSON.stringify(await visibleImages(ctx, client)), contentType: 'application/json' };
}

/**
 * The text field's layer covers layer 0 (sizeN=1,1) with the typed RTF; the example centres its text
 * both ways, large enough to read at the page's width, so a centred fit=crop keeps it.
 */
export const TEXT_LAYER = '&layer=99&sizeN=1,1&text=';
export const TEXT_EXAMPLE = '\\qc\\vertalc\\fs160\\b Sale \\b0 today';

export const playgroundPage = (): Reply => ({ body: PAGE, contentType: 'text/html; charset=utf-8' });

/** The parser's command table, for the page's reference. */
export const playgroundCommands = (): Reply => ({
  body: JSON.stringify({ commands: [...COMMANDS.values()] }),
  contentType: 'application/json',
});

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Isle playground</title>
<style>
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .75rem; }
  form { display: grid; grid-template-columns: auto 1fr; gap: .4rem .6rem; align-items: center; margin-bottom: .75rem; max-width: 60rem; }
  input[type=text], select { font: 13px ui-monospace, monospace; padding: .35rem; width: 100%; min-width: 0; }
  .result { display: grid; grid-template-columns: minmax(0, 1fr) minmax(16rem, 24rem); gap: 1rem; align-items: start; }
  #view { min-width: 0; }
  #image { display: block; max-width: 100%; height: auto; background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
  #image[hidden] { display: none; }
  pre { background: #f5f5f5; padding: .5rem; overflow: auto; font-size: 12px; margin: .5rem 0; white-space: pre-wrap; word-break: break-all; }
  pre:empty { display: none; }
  .error { color: #b00; background: #fff0f0; border: 1px solid #e5b5b5; padding: .5rem; white-space: pre-wrap; }
  .error:empty { display: none; }
  .save { display: flex; gap: .5rem; align-items: center; }
  table { border-collapse: collapse; font-size: 12px; width: 100%; }
  td { border-top: 1px solid #eee; padding: .2rem .4rem; vertical-align: top; }
  td:first-child { font-family: ui-monospace, monospace; white-space: nowrap; }
  details { margin-top: 1rem; }
  @media (max-width: 700px) {
    body { margin: .5rem; }
    form { grid-template-columns: 1fr; }
    .result { grid-template-columns: minmax(0, 1fr); }
    td:first-child { white-space: normal; }
  }
</style>
</head>
<body>
<h1>Isle playground</h1>
<form id="form">
  <label for="object">Image</label> <select id="object"></select>
  <label for="modifiers">Modifiers</label> <input type="text" id="modifiers" value="wid=480&amp;fmt=jpeg&amp;qlt=80" autocomplete="off" spellcheck="false">
  <label for="text">Text layer</label> <input type="text" id="text" placeholder="RTF or plain text, e.g. ${TEXT_EXAMPLE}: a text= layer over the image" autocomplete="off" spellcheck="false">
  <label for="url">URL</label> <input type="text" id="url" readonly>
</form>
<div class="result">
  <div id="view">
    <div id="error" class="error" role="alert"></div>
    <img id="image" alt="rendered image" hidden>
  </div>
  <div id="side">
    <p id="facts"></p>
    <pre id="props"></pre>
    <pre id="headers"></pre>
    <div class="save" id="saving" hidden>
      <input type="text" id="name" value="playground.jpg" aria-label="save name">
      <button id="save" type="button">saveToFile</button>
    </div>
    <pre id="saved"></pre>
  </div>
</div>
<details id="reference">
  <summary>Commands (the parser's own table)</summary>
  <input type="text" id="filter" placeholder="filter" aria-label="filter commands">
  <table id="commands"></table>
</details>
<script type="module">
const $ = (id) => document.getElementById(id);
const base = location.pathname.replace(/\\/$/, '');
const [list, table] = await Promise.all([fetch(base + '/images.json').then((r) => r.json()), fetch(base + '/commands.json').then((r) => r.json())]);
for (const id of list.images) $('object').append(new Option(id, id));
$('saving').hidden = !list.saving;

const range = (n) => (n.aboveMin ? '>' + n.min : n.min) + '..' + n.max + (n.integer ? ' int' : '');
for (const c of table.commands) {
  const row = $('commands').insertRow();
  row.insertCell().textContent = c.syntax;
  row.insertCell().textContent = c.help + (c.numbers ? ' [' + c.numbers.map(range).join(', ') + ']' : '');
  row.dataset.name = c.name.toLowerCase();
}
$('filter').addEventListener('input', () => {
  const q = $('filter').value.toLowerCase();
  for (const row of $('commands').rows) row.hidden = q !== '' && !row.textContent.toLowerCase().includes(q);
});

const textLayer = () => ($('text').value === '' ? '' : '${TEXT_LAYER}' + encodeURIComponent($('text').value));
const request = (extra = '') => '/is/image/' + $('object').value.split('/').map(encodeURIComponent).join('/') + '?' + $('modifiers').value + textLayer() + extra;
const propsOf = (text) => text.split('\\n').filter((l) => l && !l.startsWith('#')).join('\\n');
let latest = 0;

async function render() {
  const ticket = ++latest;
  const url = request();
  $('url').value = location.origin + url;
  const started = performance.now();
  const [response, props] = await Promise.all([fetch(url), fetch(request('&req=props')).then((r) => r.text())]);
  const blob = await response.blob();
  // A slower earlier render must not overwrite a later one.
  if (ticket !== latest) return;
  const ms = Math.round(performance.now() - started);
  $('headers').textContent = [...response.headers].map(([k, v]) => k + ': ' + v).join('\\n');
  if (!response.ok || !blob.type.startsWith('image/')) {
    $('image').hidden = true;
    $('image').removeAttribute('src');
    $('props').textContent = '';
    $('facts').textContent = response.status + ' in ' + ms + ' ms';
    const text = await blob.text();
    $('error').textContent = response.status + ': ' + (/error\\.message=(.*)/.exec(text)?.[1] ?? text);
    return;
  }
  $('error').textContent = '';
  $('props').textContent = propsOf(props);
  $('image').onload = () => {
    $('facts').textContent = $('image').naturalWidth + ' x ' + $('image').naturalHeight + ' px, ' + blob.size + ' bytes, ' + blob.type + ', ' + ms + ' ms';
  };
  $('image').src = URL.createObjectURL(blob);
  $('image').hidden = false;
}

let timer;
const soon = () => {
  clearTimeout(timer);
  timer = setTimeout(render, 250);
};
$('modifiers').addEventListener('input', soon);
$('text').addEventListener('input', soon);
$('object').addEventListener('change', render);
$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  render();
});
$('save').addEventListener('click', async () => {
  const response = await fetch(request('&req=saveToFile&name=' + encodeURIComponent($('name').value)));
  $('saved').textContent = response.status + '\\n' + (await response.text());
});
render();
</script>
</body>
</html>
`;
