// One ticked run below the curves: its status and why, settings, results, what is wrong with its
// files, and a Redis master's workers (workers.json).
import { el, pct, statusBadge } from '/dom.js';

function settingsList(obj) {
  return el(
    'div',
    { className: 'settings' },
    ...Object.entries(obj).map(([k, v]) => el('span', {}, el('b', { textContent: k }), ` ${v}`)),
  );
}

function workersView(w) {
  const head = ['worker', 'host', 'pid', 'alive', 'chunks', 'stale', 'malformed', 'last seen'];
  const rows = w.workers.map((x) => [
    x.name,
    x.host,
    x.pid,
    x.alive ? 'yes' : 'no',
    x.chunks,
    x.stale,
    x.malformed,
    x.lastSeen,
  ]);
  const table = el(
    'table',
    { className: 'workers' },
    el('tr', {}, ...head.map((h) => el('th', { textContent: h }))),
  );
  for (const r of rows) table.append(el('tr', {}, ...r.map((c) => el('td', { textContent: String(c) }))));
  const kib = (w.bytesPerIteration / 1024).toFixed(1);
  return el(
    'div',
    { className: 'workers-view' },
    el('h3', {
      textContent: `Workers (${w.workers.filter((x) => x.alive).length} alive of ${w.workers.length}; updated ${w.updated})`,
    }),
    table,
    el('p', {
      textContent: `skipped fraction ${(100 * w.skippedFraction).toFixed(2)}%, ${kib} KiB per iteration`,
    }),
  );
}

/** The details box of run `r` (an entry of /api/state's runs). */
export function runDetails(r) {
  const i = r.info;
  const box = el(
    'div',
    { className: 'run-details' },
    el('h3', {}, `${r.name} `, statusBadge(i), ` ${i.reason}`),
  );
  box.dataset.id = r.id;
  box.append(settingsList({ ...i.settings, ...(i.info?.params ? { parameters: i.info.params } : {}) }));
  if (i.summary)
    box.append(
      el('p', {
        textContent: `final test accuracy ${pct(i.summary.finalTestAccuracy)}, best ${pct(i.summary.bestTestAccuracy)}, mean ρ ${pct(i.summary.meanCorr)}${typeof i.summary.seconds === 'number' ? `, ${i.summary.seconds.toFixed(1)} s` : ''}`,
      }),
    );
  if (r.count === 0)
    box.append(el('p', { textContent: 'no metrics yet (metrics.jsonl is empty or missing)' }));
  if (r.badLines > 0)
    box.append(
      el('p', {
        className: 'problem',
        textContent: `metrics.jsonl: ${r.badLines} line(s) that are not JSON were skipped`,
      }),
    );
  if (r.pendingBytes > 0 && i.state !== 'running')
    box.append(
      el('p', {
        className: 'problem',
        textContent: `metrics.jsonl ends with a half-written line (${r.pendingBytes} bytes, killed while writing?): left out until it is complete`,
      }),
    );
  for (const p of i.problems) box.append(el('p', { className: 'problem', textContent: p }));
  if (i.workers) box.append(workersView(i.workers));
  return box;
}
