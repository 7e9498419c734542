// Hand-written SVG charts (line, scatter, histogram) for the reproduction report: no dependency.

export interface Series {
  name: string;
  x: number[];
  y: number[];
  /** 'line' (default), 'markers' or 'both'. */
  mode?: 'line' | 'markers' | 'both';
  dash?: boolean;
  color?: string;
}

export interface ChartOptions {
  title: string;
  xlabel: string;
  ylabel: string;
  xlog?: boolean;
  ylog?: boolean;
  series: Series[];
  width?: number;
  height?: number;
  /** Force the y range (data units). */
  ymin?: number;
  ymax?: number;
  /** Legend corner (default top left). */
  legend?: 'left' | 'right' | 'bottom-left';
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmtTick(v: number, log: boolean): string {
  if (log) {
    const e = Math.round(Math.log10(v));
    return Math.abs(Math.log10(v) - e) < 1e-9 ? `1e${e}` : v.toPrecision(2);
  }
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : Number(v.toPrecision(4)).toString();
}

/** Nice linear ticks over [lo, hi]. */
function linearTicks(lo: number, hi: number, target = 6): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= target) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a) / 8));
  const out: number[] = [];
  for (let e = a; e <= b; e += every) {
    const v = 10 ** e;
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
  }
  if (out.length < 2) return [lo, hi];
  return out;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
}

function axis(values: number[], log: boolean, forceLo?: number, forceHi?: number): Axis {
  const v = values.filter((x) => Number.isFinite(x) && (!log || x > 0));
  let lo = forceLo ?? (v.length ? Math.min(...v) : 0);
  let hi = forceHi ?? (v.length ? Math.max(...v) : 1);
  if (log) {
    if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1e-3;
    if (hi <= lo) hi = lo * 10;
    lo = 10 ** Math.floor(Math.log10(lo) + 1e-9);
    hi = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
    if (hi <= lo) hi = lo * 10;
    return { lo, hi, log, ticks: logTicks(lo, hi) };
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = forceLo === undefined && forceHi === undefined ? 0.04 * (hi - lo) : 0;
  const ticks = linearTicks(lo - pad, hi + pad);
  return { lo: Math.min(lo - pad, ticks[0]), hi: Math.max(hi + pad, ticks[ticks.length - 1]), log, ticks };
}

function scale(a: Axis, from: number, to: number): (v: number) => number {
  const f = (v: number) => (a.log ? Math.log10(v) : v);
  const l = f(a.lo);
  const h = f(a.hi);
  return (v) => from + ((f(v) - l) / (h - l)) * (to - from);
}

function frame(opts: { title: string; xlabel: string; ylabel: string; width: number; height: number; xa: Axis; ya: Axis }) {
  const { width, height, xa, ya } = opts;
  const m = { l: 74, r: 16, t: 34, b: 48 };
  const X = scale(xa, m.l, width - m.r);
  const Y = scale(ya, height - m.b, m.t);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(opts.title)}</text>`);
  for (const t of xa.ticks) {
    const x = X(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${height - m.b}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${height - m.b + 16}" text-anchor="middle" font-size="11">${fmtTick(t, xa.log)}</text>`);
  }
  for (const t of ya.ticks) {
    const y = Y(t).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${width - m.r}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmtTick(t, ya.log)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + width - m.r) / 2}" y="${height - 10}" text-anchor="middle" font-size="12">${esc(opts.xlabel)}</text>`);
  parts.push(
    `<text x="16" y="${(m.t + height - m.b) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${(m.t + height - m.b) / 2})">${esc(opts.ylabel)}</text>`,
  );
  return { X, Y, parts, m };
}

function wrap(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}

/** A line / scatter chart with optional log axes. */
export function chart(opts: ChartOptions): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 400;
  const ok = (s: Series, i: number) => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!opts.xlog || s.x[i] > 0) && (!opts.ylog || s.y[i] > 0);
  const xs = opts.series.flatMap((s) => s.x.filter((_, i) => ok(s, i)));
  const ys = opts.series.flatMap((s) => s.y.filter((_, i) => ok(s, i)));
  const xa = axis(xs, !!opts.xlog);
  const ya = axis(ys, !!opts.ylog, opts.ymin, opts.ymax);
  const { X, Y, parts, m } = frame({ ...opts, width, height, xa, ya });
  const legend: string[] = [];
  const lx = opts.legend === 'right' ? width - m.r - 240 : m.l + 10;
  const top = opts.legend === 'bottom-left' ? height - m.b - 16 * opts.series.length - 8 : m.t;
  opts.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const mode = s.mode ?? 'line';
    const pts: [number, number][] = [];
    for (let i = 0; i < s.x.length; i++) if (ok(s, i)) pts.push([X(s.x[i]), Y(Math.min(Math.max(s.y[i], ya.lo), ya.hi))]);
    if (mode !== 'markers' && pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (mode !== 'line') {
      const r = pts.length > 400 ? 1.6 : 3;
      for (const [x, y] of pts) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${color}" fill-opacity="0.75"/>`);
    }
    const ly = top + 14 + 16 * k;
    legend.push(
      mode === 'markers'
        ? `<circle cx="${lx + 10}" cy="${ly - 4}" r="3" fill="${color}"/>`
        : `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    legend.push(`<text x="${lx + 26}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  const longest = Math.max(...opts.series.map((s) => s.name.length));
  parts.push(`<rect x="${lx - 4}" y="${top + 2}" width="${Math.min(36 + 6.2 * longest, width - lx - m.r)}" height="${16 * opts.series.length + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  parts.push(...legend);
  return wrap(width, height, parts);
}

/** A histogram of values (optionally of log10 values). */
export function histogram(opts: { title: string; xlabel: string; values: number[]; bins?: number; width?: number; height?: number; markers?: { x: number; name: string }[] }): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 400;
  const values = opts.values.filter(Number.isFinite);
  const bins = opts.bins ?? 30;
  let lo = Math.min(...values);
  let hi = Math.max(...values, ...(opts.markers ?? []).map((mk) => mk.x));
  if (hi === lo) hi = lo + 1;
  const w = (hi - lo) / bins;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  const xa = axis([lo, hi], false);
  const ya = axis([0, Math.max(...counts)], false, 0, undefined);
  const { X, Y, parts } = frame({ title: opts.title, xlabel: opts.xlabel, ylabel: 'count', width, height, xa, ya });
  counts.forEach((c, i) => {
    const x0 = X(lo + i * w);
    const x1 = X(lo + (i + 1) * w);
    parts.push(`<rect x="${x0.toFixed(1)}" y="${Y(c).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(Y(0) - Y(c)).toFixed(1)}" fill="${PALETTE[0]}" fill-opacity="0.8"/>`);
  });
  (opts.markers ?? []).forEach((mk, k) => {
    const x = X(mk.x).toFixed(1);
    const color = PALETTE[(k + 1) % PALETTE.length];
    parts.push(`<line x1="${x}" y1="${Y(ya.hi)}" x2="${x}" y2="${Y(0)}" stroke="${color}" stroke-width="2" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${Number(x) + 4}" y="${Y(ya.hi) + 14 + 14 * k}" font-size="11" fill="${color}">${esc(mk.name)}</text>`);
  });
  return wrap(width, height, parts);
}
