// The dashboard page: lists runs and experiments from /api/state, draws the selected runs' curves and
// keeps them live from the server's events (/api/events); says what is wrong when something is.
import { Charts } from '/charts.js';
import { runDetails } from '/details.js';
import { el, pct, statusBadge } from '/dom.js';
import { showExperiment } from '/experiment.js';

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
const $ = (sel) => document.querySelector(sel);
const store = {
  state: null,
  /** id → {count, columns} of the runs whose curves were fetched */
  curves: new Map(),
  selected: new Set(),
  /** ids seen before: a run that appears later and is running gets selected */
  seen: new Set(),
  colors: new Map(),
  xKey: 'iter',
  /** runs that vanished while selected: name, said once on the page */
  gone: [],
};
let charts;
let drawQueued = false;

function colorOf(id) {
  if (!store.colors.has(id)) store.colors.set(id, PALETTE[store.colors.size % PALETTE.length]);
  return store.colors.get(id);
}
const runById = (id) => store.state?.runs.find((r) => r.id === id);
/** Fetches a run's curves so far; draws them unless told not to (several fetched at once draw once). */
async function fetchCurves(id, redraw = true) {
  const res = await fetch(`/api/runs/${id}/metrics`);
  if (!res.ok) return;
  store.curves.set(id, await res.json());
  if (redraw) scheduleDraw();
}

function applyMetrics(e) {
  const c = store.curves.get(e.id);
  if (!c) return;
  const n = e.columns.iter.length;
  if (e.from > c.count) return void fetchCurves(e.id); // missed some: fetch them all again
  const skip = c.count - e.from; // already have these (fetched after the event was sent)
  if (skip >= n) return;
  for (const [k, col] of Object.entries(e.columns)) {
    c.columns[k] ??= [];
    c.columns[k].push(...col.slice(skip));
  }
  c.count += n - skip;
  scheduleDraw();
}

function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw();
  });
}

function draw() {
  const start = performance.now();
  const runs = [...store.selected]
    .filter((id) => runById(id) && store.curves.has(id))
    .map((id) => ({ id, name: runById(id).name, color: colorOf(id), columns: store.curves.get(id).columns }));
  charts.draw(runs, store.xKey);
  renderDetails();
  // the last redraw: its cost and when it ended (bench/dashboard-load.ts)
  Object.assign(document.body.dataset, {
    drawMs: (performance.now() - start).toFixed(1),
    drawnAt: String(Date.now()),
  });
}

function renderNotes() {
  const notes = [...(store.state?.notes ?? [])].map((n) => el('div', { textContent: n }));
  for (const name of store.gone)
    notes.push(
      el('div', {
        className: 'error',
        textContent: `${name}: the run is no longer there (deleted?); its curves were removed`,
      }),
    );
  if (store.lost)
    notes.push(
      el('div', { className: 'error', textContent: 'lost the connection to esgrad dashboard; retrying…' }),
    );
  $('#notes').replaceChildren(...notes);
}

function runRow(r) {
  const s = r.info.settings;
  const box = el('input', { type: 'checkbox', checked: store.selected.has(r.id) });
  box.addEventListener('change', () => {
    if (box.checked) store.selected.add(r.id);
    else store.selected.delete(r.id);
    if (box.checked && !store.curves.has(r.id)) fetchCurves(r.id);
    renderRuns();
    scheduleDraw();
  });
  const swatch = el('span', { className: 'swatch' });
  if (store.selected.has(r.id)) swatch.style.background = colorOf(r.id);
  const iters = s.iters === undefined ? `${r.count}` : `${r.count}/${s.iters}`;
  const tr = el(
    'tr',
    { className: store.selected.has(r.id) ? 'selected' : '' },
    el('td', {}, box),
    el('td', { className: 'name', title: r.dir }, swatch, r.name),
    el('td', {}, statusBadge(r.info)),
    ...[
      s.algo,
      r.info.info?.model ?? s.model,
      r.info.info?.dataset ?? s.dataset,
      s.seed,
      s.population,
      iters,
    ].map((v) => el('td', { textContent: v === undefined ? '–' : String(v) })),
    el('td', { textContent: pct(r.info.summary?.bestTestAccuracy) }),
  );
  Object.assign(tr.dataset, { id: r.id, status: r.info.state, count: String(r.count) });
  if (r.experimentId) tr.dataset.experiment = r.experimentId;
  return tr;
}

function renderRuns() {
  const runs = store.state?.runs ?? [];
  $('#runs tbody').replaceChildren(...runs.map(runRow));
  $('#no-runs').hidden = runs.length > 0;
  const exps = store.state?.experiments ?? [];
  $('#experiments').replaceChildren(
    ...exps.map((x) => {
      const li = el('li', { textContent: x.name, title: x.dir });
      li.dataset.id = x.id;
      li.addEventListener('click', () => showExperiment($('#experiment'), x.id, x.name));
      return li;
    }),
  );
  $('#no-experiments').hidden = exps.length > 0;
}

function renderDetails() {
  $('#details').replaceChildren(...[...store.selected].map(runById).filter(Boolean).map(runDetails));
}

async function loadState() {
  const res = await fetch('/api/state');
  const state = await res.json();
  const first = store.state === null;
  store.state = state;
  if (first) charts = new Charts($('#charts'), state.charts);
  $('#roots').textContent = state.roots.join(', ');
  for (const id of [...store.selected])
    if (!runById(id)) {
      store.selected.delete(id);
      store.curves.delete(id);
      store.gone.push(document.querySelector(`#runs tr[data-id="${id}"] td.name`)?.textContent ?? id);
    }
  for (const r of state.runs) {
    const isNew = !store.seen.has(r.id);
    store.seen.add(r.id);
    if (isNew && (r.info.state === 'running' || (!first && store.selected.size === 0)))
      store.selected.add(r.id);
  }
  if (first && store.selected.size === 0 && state.runs.length) {
    // nothing running: the run written last
    const last = state.runs.reduce((a, b) => (b.modifiedMs > a.modifiedMs ? b : a));
    store.selected.add(last.id);
  }
  await Promise.all(
    [...store.selected].filter((id) => !store.curves.has(id)).map((id) => fetchCurves(id, false)),
  );
  renderNotes();
  renderRuns();
  scheduleDraw();
  document.body.dataset.ready = '1';
}

function onRun(e) {
  const r = runById(e.id);
  if (!r) return;
  Object.assign(r, { info: e.info, count: e.count, badLines: e.badLines, pendingBytes: e.pendingBytes });
  const c = store.curves.get(e.id);
  if (c && store.selected.has(e.id) && c.count < e.count) fetchCurves(e.id); // an event was missed while fetching
  renderRuns();
  scheduleDraw();
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    store.lost = false;
    $('#connection').textContent = 'live';
    loadState();
  });
  events.addEventListener('error', () => {
    store.lost = true;
    $('#connection').textContent = 'reconnecting…';
    renderNotes();
  });
  events.addEventListener('state', () => loadState());
  events.addEventListener('metrics', (m) => applyMetrics(JSON.parse(m.data)));
  events.addEventListener('reset', (m) => {
    const { id } = JSON.parse(m.data);
    if (store.curves.delete(id) && store.selected.has(id)) fetchCurves(id);
  });
  events.addEventListener('run', (m) => onRun(JSON.parse(m.data)));
}

for (const radio of document.querySelectorAll('input[name=x]'))
  radio.addEventListener('change', () => {
    store.xKey = radio.value;
    scheduleDraw();
  });
connect();
