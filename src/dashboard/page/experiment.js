// An experiment on the dashboard: its key numbers beside the paper's, and the figures of
// `esgrad report` drawn from the same Vega-Lite specs by vega-embed (loaded on first use).
let vegaLoaded;

function script(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`${src} did not load`));
    document.head.append(s);
  });
}

/** vega, vega-lite and vega-embed's browser builds, in order (each expects the one before). */
function loadVega() {
  vegaLoaded ??= script('/vendor/vega.min.js')
    .then(() => script('/vendor/vega-lite.min.js'))
    .then(() => script('/vendor/vega-embed.min.js'));
  return vegaLoaded;
}

function tableOf(header, rows) {
  const t = document.createElement('table');
  const head = t.createTHead().insertRow();
  for (const h of header) head.append(Object.assign(document.createElement('th'), { textContent: h }));
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of r) tr.insertCell().textContent = c;
  }
  return t;
}

/** Shows experiment `id` (name shown while loading) in `box`. */
export async function showExperiment(box, id, name) {
  box.replaceChildren();
  const view = document.createElement('div');
  view.className = 'experiment-view';
  view.dataset.id = id;
  view.append(Object.assign(document.createElement('h3'), { textContent: `${name}: loading…` }));
  box.append(view);
  const res = await fetch(`/api/experiments/${id}`);
  const exp = await res.json();
  view.replaceChildren();
  if (exp.error) {
    view.append(Object.assign(document.createElement('p'), { className: 'problem', textContent: exp.error }));
    return;
  }
  view.append(
    Object.assign(document.createElement('h3'), {
      textContent: `${exp.title} (${exp.experiment}, scale ${exp.scale})`,
    }),
    Object.assign(document.createElement('p'), {
      textContent: `runs finished: ${exp.runsFinished} of ${exp.runsTotal}. The paper: ${exp.paper}`,
    }),
    tableOf(['what', `ours (${exp.scale})`, 'paper'], exp.key),
  );
  await loadVega();
  for (const f of exp.figures) {
    const fig = document.createElement('div');
    fig.className = 'figure';
    const plot = document.createElement('div');
    fig.append(plot, Object.assign(document.createElement('p'), { textContent: f.caption }));
    view.append(fig);
    await window.vegaEmbed(plot, f.spec, { actions: false, renderer: 'svg' });
  }
  for (const t of exp.tables) {
    view.append(
      Object.assign(document.createElement('h3'), { textContent: t.title }),
      tableOf(t.header, t.rows),
    );
    if (t.caption) view.append(Object.assign(document.createElement('p'), { textContent: t.caption }));
  }
  for (const n of exp.notes) view.append(Object.assign(document.createElement('p'), { textContent: n }));
  view.dataset.figures = String(exp.figures.length);
}
