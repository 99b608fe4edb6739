import type { Client, ServerContext } from '../service/context.ts';
import { visibleImages } from '../service/images.ts';
import { deliveryTranslation } from '../service/delivery.ts';
import { COMMANDS } from '../protocol/command-table.ts';
import type { Reply } from '../service/reply.ts';

/**
 * The playground: pick a catalog image, type modifiers and see the rendered image as you type
 * (debounced), its size, bytes, time, response headers and properties (req=props), or the error
 * message; type a text layer over it; copy the URL; try saveToFile when saving is on; look commands up in the parser's own
 * table; switch to the delivery API's URLs (Dynamic Media with OpenAPI) and see the /is/image request each is served as.
 * One static page (no build step, no framework), two JSON lists (images and commands) and the translation of a delivery URL.
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

/** `delivery.json?url=<a delivery URL's path and query>`: the /is/image request it is served as (service/delivery.ts). */
export async function playgroundDelivery(target: string, ctx: ServerContext, client: Client): Promise<Reply> {
  const q = target.indexOf('?');
  const url = new URLSearchParams(q < 0 ? '' : target.slice(q + 1)).get('url') ?? '';
  return { body: JSON.stringify({ image: await deliveryTranslation(url, ctx, client) }), contentType: 'application/json' };
}

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
  <label for="kind">URL form</label> <select id="kind"><option value="is">/is/image (Scene7)</option><option value="delivery">/adobe/assets (Dynamic Media with OpenAPI)</option></select>
  <label for="object">Image</label> <select id="object"></select>
  <label for="seo" class="delivery" hidden>Name</label> <input type="text" id="seo" class="delivery" value="image.jpg" autocomplete="off" spellcheck="false" hidden>
  <label for="modifiers">Modifiers</label> <input type="text" id="modifiers" value="wid=480&amp;fmt=jpeg&amp;qlt=80" autocomplete="off" spellcheck="false">
  <label for="text">Text layer</label> <input type="text" id="text" placeholder="RTF or plain text, e.g. ${TEXT_EXAMPLE}: a text= layer over the image" autocomplete="off" spellcheck="false">
  <label for="url">URL</label> <input type="text" id="url" readonly>
  <label for="translated" class="delivery" hidden>Served as</label> <input type="text" id="translated" class="delivery" readonly hidden>
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
const delivery = () => $('kind').value === 'delivery';
const EXAMPLES = { is: 'wid=480&fmt=jpeg&qlt=80', delivery: 'width=480&quality=80&preferwebp=true' };
function showKind() {
  $('object').replaceChildren(...(delivery() ? list.assets : list.images).map((id) => new Option(id, id)));
  $('modifiers').value = EXAMPLES[$('kind').value];
  for (const e of document.querySelectorAll('.delivery')) e.hidden = !delivery();
  // The delivery API has no text layers.
  $('text').disabled = delivery();
  $('saving').hidden = !list.saving || delivery();
}
showKind();

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
const isRequest = (extra = '') => '/is/image/' + $('object').value.split('/').map(encodeURIComponent).join('/') + '?' + $('modifiers').value + textLayer() + extra;
const deliveryRequest = () => '/adobe/assets/' + $('object').value + '/as/' + encodeURIComponent($('seo').value) + '?' + $('modifiers').value;
const request = (extra = '') => (delivery() ? deliveryRequest() : isRequest(extra));
/** The /is/image request a delivery URL is served as (the server's own translation), or why it has none. */
async function servedAs(url) {
  const response = await fetch(base + '/delivery.json?url=' + encodeURIComponent(url));
  const text = await response.text();
  return response.ok ? JSON.parse(text).image : (/error\\.message=(.*)/.exec(text)?.[1] ?? text);
}
const errorOf = (text) => { try { return JSON.parse(text).detail ?? text; } catch { return /error\\.message=(.*)/.exec(text)?.[1] ?? text; } };
const propsOf = (text) => text.split('\\n').filter((l) => l && !l.startsWith('#')).join('\\n');
let latest = 0;

async function render() {
  const ticket = ++latest;
  const url = request();
  $('url').value = location.origin + url;
  const started = performance.now();
  const translated = delivery() ? await servedAs(url) : '';
  $('translated').value = translated;
  const propsUrl = delivery() ? (translated.startsWith('/is/image/') ? translated + '&req=props' : undefined) : request('&req=props');
  const [response, props] = await Promise.all([fetch(url), propsUrl ? fetch(propsUrl).then((r) => r.text()) : '']);
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
    $('error').textContent = response.status + ': ' + errorOf(text);
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
$('seo').addEventListener('input', soon);
$('kind').addEventListener('change', () => {
  showKind();
  render();
});
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
