// The dev catcher's mail viewer: plain browser JavaScript, no framework, no build.
// Every caught value is put on the page as text (textContent), never as markup;
// the HTML part is shown only inside a sandboxed iframe (no scripts, no same
// origin) loaded from its own route, which serves it under a strict CSP.

/** @type {Array<Record<string, any>>} newest first */
let summaries = [];
/** @type {string | undefined} */
let selectedId;
/** @type {string} */
let selectedTab = '';

const $ = (id) => document.getElementById(id);

/** Create an element with text content and optional class / attributes. */
function el(tag, text, className, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v);
  return node;
}

function formatTime(iso) {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}

function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function title(m) {
  if (m.subject) return m.subject;
  if (m.kind === 'sms') return `SMS to ${m.to}`;
  if (m.kind === 'http') return 'HTTP delivery';
  return '(no subject)';
}

function matches(m, query) {
  if (query === '') return true;
  return [m.to, m.from, m.subject, m.preview, m.text].some((v) => typeof v === 'string' && v.toLowerCase().includes(query));
}

function renderList(newIds = new Set()) {
  const query = $('search').value.trim().toLowerCase();
  const list = $('messages');
  const shown = summaries.filter((m) => matches(m, query));
  list.replaceChildren(
    ...shown.map((m) => {
      const li = el('li', null, newIds.has(m.id) ? 'new' : '');
      const button = el('button', null, '', { type: 'button', 'data-id': m.id, 'aria-current': String(m.id === selectedId) });
      const top = el('div', null, 'row');
      top.append(el('span', m.kind, `kind ${m.kind}`), el('span', m.to, 'to'), el('time', formatTime(m.at), 'time', { datetime: m.at }));
      // An SMS has no subject: its text is the line that matters.
      if (m.kind === 'sms') button.append(top, el('div', m.preview, 'subject'));
      else button.append(top, el('div', title(m), 'subject'), el('div', m.preview, 'preview'));
      button.addEventListener('click', () => {
        location.hash = `#${m.id}`;
      });
      li.append(button);
      return li;
    }),
  );
  const total = summaries.length;
  $('count').textContent = query === '' ? `${total} message${total === 1 ? '' : 's'}` : `${shown.length} of ${total} messages match`;
  $('count').hidden = total === 0;
  $('empty').hidden = total !== 0;
}

function metaList(rows) {
  const dl = el('dl', null, 'meta');
  for (const [name, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', name), el('dd', value));
  }
  return dl;
}

function headersTable(headers) {
  const table = el('table', null, 'headers');
  for (const h of headers) {
    const tr = el('tr');
    tr.append(el('td', `${h.name}:`), el('td', h.value));
    table.append(tr);
  }
  return table;
}

function htmlFrame(m) {
  // sandbox="" grants nothing: no scripts, no same origin, no forms, no popups, no top navigation.
  return el('iframe', null, '', { sandbox: '', src: `/api/messages/${encodeURIComponent(m.id)}/html`, title: 'HTML part', referrerpolicy: 'no-referrer' });
}

async function rawPanel(m) {
  const res = await fetch(`/api/messages/${encodeURIComponent(m.id)}/raw`);
  return el('pre', res.ok ? await res.text() : `Could not load the raw source (HTTP ${res.status}).`, 'raw');
}

/** The tabs of one message: [label, () => panel content]. */
function tabsFor(m) {
  const tabs = [];
  if (m.html) tabs.push(['HTML', () => htmlFrame(m)]);
  if (m.kind === 'email') {
    tabs.push(['Text', () => el('pre', m.text || '(no plain-text part)', 'text')]);
    tabs.push(['Headers', () => headersTable(m.headers ?? [])]);
  } else {
    tabs.push(['Body', () => el('pre', m.text, 'text')]);
    if (m.request) tabs.push(['Request', () => headersTable([{ name: 'Request', value: `${m.request.method} ${m.request.path}` }, ...m.request.headers])]);
  }
  tabs.push(['Raw', () => rawPanel(m)]);
  return tabs;
}

async function showMessage(id) {
  selectedId = id;
  for (const b of document.querySelectorAll('#messages button')) b.setAttribute('aria-current', String(b.dataset.id === id));
  const view = $('message');
  if (id === undefined) {
    view.replaceChildren(el('p', 'Select a message.', 'placeholder'));
    return;
  }
  const res = await fetch(`/api/messages/${encodeURIComponent(id)}`);
  if (selectedId !== id) return;
  if (!res.ok) {
    view.replaceChildren(el('p', `Message ${id} is gone (the catcher keeps the newest messages only, in memory).`, 'placeholder'));
    return;
  }
  const m = await res.json();
  const parts = [el('h2', title(m))];
  const attachments = (m.attachments ?? []).map((a) => `${a.filename} (${a.contentType}, ${formatSize(a.size)})`).join(', ');
  parts.push(
    metaList([
      ['From', m.from],
      ['To', m.to],
      ['Date', new Date(m.at).toLocaleString()],
      ['Message-ID', m.messageId],
      ['Request', m.request ? `${m.request.method} ${m.request.path}` : undefined],
      ['Attachments', attachments],
      ['Size', formatSize(m.size)],
    ]),
  );
  if (m.truncated) parts.push(el('p', m.truncated.note, 'note', { role: 'note' }));
  const tabs = tabsFor(m);
  const bar = el('div', null, 'tabs', { role: 'tablist' });
  const panel = el('div', null, 'panel', { role: 'tabpanel' });
  const select = async (label) => {
    selectedTab = label;
    for (const b of bar.children) b.setAttribute('aria-selected', String(b.textContent === label));
    const make = tabs.find(([l]) => l === label)[1];
    const content = await make();
    if (selectedId === id && selectedTab === label) panel.replaceChildren(content);
  };
  for (const [label] of tabs) {
    const b = el('button', label, '', { type: 'button', role: 'tab' });
    b.addEventListener('click', () => void select(label));
    bar.append(b);
  }
  parts.push(bar, panel);
  view.replaceChildren(...parts);
  await select(tabs.some(([l]) => l === selectedTab) ? selectedTab : tabs[0][0]);
}

function route() {
  const id = location.hash.slice(1);
  void showMessage(id === '' ? undefined : id);
}

async function load() {
  const res = await fetch('/api/messages');
  summaries = await res.json();
  renderList();
}

function listen() {
  const live = $('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
    // Catch up on anything that arrived while disconnected.
    void load();
  });
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  events.addEventListener('message', (e) => {
    const m = JSON.parse(e.data);
    if (summaries.some((s) => s.id === m.id)) return;
    summaries.unshift(m);
    renderList(new Set([m.id]));
  });
  events.addEventListener('clear', () => {
    summaries = [];
    renderList();
    location.hash = '';
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('search').addEventListener('input', () => renderList());
  $('clear').addEventListener('click', () => {
    if (confirm('Forget every caught message?')) void fetch('/api/messages', { method: 'DELETE' });
  });
  window.addEventListener('hashchange', route);
  void load().then(route);
  listen();
});
