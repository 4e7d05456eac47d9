// Small DOM helpers shared by the dashboard page's modules: element building, percentages, the
// status badge of a run.

/** A new element with properties and children. */
export const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

/** A fraction as a percentage with two decimals ('–' when not a number). */
export const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(2)}%` : '–');

/** The coloured status of a run, its reason as the tooltip. */
export function statusBadge(info) {
  return el('span', { className: `badge status-${info.state}`, title: info.reason, textContent: info.state });
}
