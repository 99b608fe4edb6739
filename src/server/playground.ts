import { readdir } from 'node:fs/promises';
import type { ServerContext } from './context.ts';
import type { Reply } from './respond.ts';

/**
 * The playground: pick a catalog image, type modifiers, see the rendered image, its size, bytes,
 * time and response headers, and the URL to copy; try saveToFile when saving is on. One static page
 * (no build step, no framework) and a JSON list of the images it offers.
 */
export async function playgroundImages(ctx: ServerContext): Promise<Reply> {
  const { defaultCatalog, byRootId } = ctx.catalogs;
  const ids = [...byRootId.values()].flatMap((c) => [...c.records.keys()].map((id) => `${c.rootId}/${id}`));
  ids.push(...defaultCatalog.records.keys());
  const files = await readdir(ctx.config.root, { withFileTypes: true }).catch(() => []);
  ids.push(...files.filter((f) => f.isFile() && /\.(jpe?g|png)$/i.test(f.name)).map((f) => f.name));
  const body = JSON.stringify({ images: ids.slice(0, 500), saving: defaultCatalog.attributes.savePath !== '' });
  return { body, contentType: 'application/json' };
}

export const playgroundPage = (): Reply => ({ body: PAGE, contentType: 'text/html; charset=utf-8' });

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Isle playground</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  form, .save { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin-bottom: 1rem; }
  input[type=text] { font: 13px ui-monospace, monospace; padding: .3rem; }
  #modifiers { width: 32rem; } #url { width: 100%; }
  .result { display: grid; grid-template-columns: minmax(0, auto) 24rem; gap: 1.5rem; align-items: start; }
  #image { max-width: 100%; background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
  pre:empty { display: none; }
  pre { background: #f5f5f5; padding: .5rem; overflow: auto; font-size: 12px; }
  .error { color: #b00; }
</style>
</head>
<body>
<h1>Isle playground</h1>
<form id="form">
  <label>Image <select id="object"></select></label>
  <label>Modifiers <input type="text" id="modifiers" value="wid=480&amp;fmt=jpeg&amp;qlt=80"></label>
  <button id="render" type="submit">Render</button>
</form>
<p><input type="text" id="url" readonly aria-label="URL"></p>
<div class="result">
  <img id="image" alt="rendered image">
  <div>
    <p id="facts"></p>
    <p id="error" class="error"></p>
    <pre id="headers"></pre>
    <div class="save" id="saving" hidden>
      <input type="text" id="name" value="playground.jpg" aria-label="save name">
      <button id="save" type="button">saveToFile</button>
    </div>
    <pre id="saved"></pre>
  </div>
</div>
<script type="module">
const $ = (id) => document.getElementById(id);
const list = await (await fetch(location.pathname.replace(/\\/$/, '') + '/images.json')).json();
for (const id of list.images) $('object').append(new Option(id, id));
$('saving').hidden = !list.saving;
const request = () => '/is/image/' + $('object').value.split('/').map(encodeURIComponent).join('/') + '?' + $('modifiers').value;

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const url = request();
  $('url').value = location.origin + url;
  $('error').textContent = '';
  const started = performance.now();
  const response = await fetch(url);
  const blob = await response.blob();
  const ms = Math.round(performance.now() - started);
  $('headers').textContent = [...response.headers].map(([k, v]) => k + ': ' + v).join('\\n');
  if (!response.ok || !blob.type.startsWith('image/')) {
    $('image').removeAttribute('src');
    $('facts').textContent = response.status + ' in ' + ms + ' ms';
    $('error').textContent = await blob.text();
    return;
  }
  $('image').onload = () => {
    $('facts').textContent = $('image').naturalWidth + ' x ' + $('image').naturalHeight + ' px, ' + blob.size + ' bytes, ' + blob.type + ', ' + ms + ' ms';
  };
  $('image').src = URL.createObjectURL(blob);
});

$('save').addEventListener('click', async () => {
  const response = await fetch(request() + '&req=saveToFile&name=' + encodeURIComponent($('name').value));
  $('saved').textContent = response.status + '\\n' + (await response.text());
});
$('form').requestSubmit();
</script>
</body>
</html>
`;
