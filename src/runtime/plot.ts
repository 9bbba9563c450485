/**
 * Charts as SVG strings, for notebooks: line and scatter plots with several
 * series on linear or log axes (log-log for Grosch's law), bar charts, a
 * legend, axis labels and ticks, and an optional least-squares fitted line.
 *
 * `lineChart`/`barChart` are pure (they return the SVG text); `plot`/`bars`
 * show the same chart in the notebook through `display.svg`.
 *
 * Points whose x or y is not a finite number (NaN, `null`, `undefined`, the
 * lecture's "NA") are skipped and break the line there; on a log axis values
 * `<= 0` are skipped too. The chart says how many points it skipped.
 *
 * Numbers on a chart are pt-BR (`formatNumber`): tick labels `0,5`, `2020`, an axis
 * that reaches five digits grouped alike (`5.000`, `10.000`), powers of ten from 10⁷
 * (`1,5×10⁷`); bar values and the fit's legend (`R² = 0,998`) too.
 *
 * @example
 * ```ts
 * import { plot } from "cdlab";
 * plot([{ name: "CPU", x: [50, 100, 400], y: [900, 2100, 9000], mode: "points", fit: true }],
 *      { xScale: "log", yScale: "log", xLabel: "preço (US$)", yLabel: "CPU Mark" });
 * ```
 */
import { CdlabError, invalidArg } from "./errors";
import { display, escapeHtml } from "./display";
import { formatNumber } from "./numbers";
import { fmt, isNum, linearFit, pad, pairs, runs, ticks, type LinearFit, type Maybe, type Scale } from "./chart-scales";

export { linearFit, ticks };
export type { LinearFit, Maybe, Scale };

/** One series of a {@link lineChart}. */
export interface Series {
  /** Shown in the legend. */
  name?: string;
  x: readonly Maybe[];
  y: readonly Maybe[];
  /** How points are drawn. @default "lines" */
  mode?: "lines" | "points" | "both";
  /** CSS color. @default one of a fixed palette, by series index */
  color?: string;
  /**
   * Draw the least-squares line through this series, fitted in the plotted
   * space (on log-log axes that is a power law `y = a·x^b`). Its slope and
   * intercept appear in the legend. @default false
   */
  fit?: boolean;
}

/** Options of {@link lineChart} and {@link barChart}. */
export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** @default "linear" */
  xScale?: Scale;
  /** @default "linear" */
  yScale?: Scale;
  /** Width in pixels. @default 640 */
  width?: number;
  /** Height in pixels. @default 400 */
  height?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/**
 * Render series as an SVG line/scatter chart.
 *
 * @param series one or more {@link Series}
 * @param options title, axis labels, scales and size
 * @returns the SVG document as a string
 * @throws CdlabError `ERR_NO_DATA` when no series has a plottable point;
 *   `ERR_INVALID_ARG` when x and y lengths differ or an option is wrong
 * @example
 * ```ts
 * const svg = lineChart([{ name: "y = x²", x: [1, 2, 3], y: [1, 4, 9] }], { title: "quadrado" });
 * ```
 */
export function lineChart(series: readonly Series[], options: ChartOptions = {}): string {
  const o = checkOptions(options);
  if (!isArray(series) || series.length === 0) throw new CdlabError("ERR_NO_DATA", "Nada a desenhar: nenhuma série foi dada");
  const okX = (v: Maybe) => isNum(v) && (o.xScale !== "log" || v > 0);
  const okY = (v: Maybe) => isNum(v) && (o.yScale !== "log" || v > 0);
  let skipped = 0;
  const prepared = series.map((s, i) => {
    if (!s || !isArray(s.x) || !isArray(s.y)) invalidArg(`series[${i}]`, s?.name ?? i, "esperado { x: number[], y: number[] }");
    if (s.x.length !== s.y.length) invalidArg(`series[${i}].y`, `${s.y.length} valores`, `esperado tantos valores quanto x (${s.x.length})`);
    const good = s.x.map((x, j) => okX(x) && okY(s.y[j]));
    skipped += good.filter((g) => !g).length;
    return { s, good, color: s.color ?? PALETTE[i % PALETTE.length] };
  });
  const xs = prepared.flatMap((p) => p.s.x.filter((_, j) => p.good[j]) as number[]);
  const ys = prepared.flatMap((p) => p.s.y.filter((_, j) => p.good[j]) as number[]);
  if (xs.length === 0) throw new CdlabError("ERR_NO_DATA", "Nada a desenhar: nenhum ponto tem x e y finitos" + (o.xScale === "log" || o.yScale === "log" ? " (e > 0 num eixo logarítmico)" : ""));
  const fr = frame(o, xs, ys);
  const parts: string[] = [];
  const legend: { name: string; color: string; dash?: boolean; marker?: boolean }[] = [];
  for (const p of prepared) {
    const mode = p.s.mode ?? "lines";
    const pts = p.s.x.map((x, j) => (p.good[j] ? [fr.px(x as number), fr.py(p.s.y[j] as number)] : null));
    if (mode !== "points") {
      for (const run of runs(pts)) if (run.length > 1) parts.push(`<polyline fill="none" stroke="${attr(p.color)}" stroke-width="2" points="${run.map((q) => `${f(q[0])},${f(q[1])}`).join(" ")}"/>`);
    }
    if (mode !== "lines" || pts.filter(Boolean).length === 1) {
      for (const q of pts) if (q) parts.push(`<circle cx="${f(q[0])}" cy="${f(q[1])}" r="3.5" fill="${attr(p.color)}" fill-opacity="0.8"/>`);
    }
    if (p.s.name !== undefined) legend.push({ name: p.s.name, color: p.color, marker: mode !== "lines" });
    if (p.s.fit) {
      const tx = (v: number) => (o.xScale === "log" ? Math.log10(v) : v);
      const ty = (v: number) => (o.yScale === "log" ? Math.log10(v) : v);
      const gx = p.s.x.filter((_, j) => p.good[j]) as number[];
      const gy = p.s.y.filter((_, j) => p.good[j]) as number[];
      const fit = linearFit(gx.map(tx), gy.map(ty));
      const inv = (v: number) => (o.yScale === "log" ? 10 ** v : v);
      const x0 = Math.min(...gx), x1 = Math.max(...gx);
      const n = 40;
      const line: [number, number][] = [];
      for (let k = 0; k <= n; k++) {
        const x = o.xScale === "log" ? x0 * (x1 / x0) ** (k / n) : x0 + ((x1 - x0) * k) / n;
        const y = inv(fit.slope * tx(x) + fit.intercept);
        if (y >= fr.yMin && y <= fr.yMax) line.push([fr.px(x), fr.py(y)]);
      }
      parts.push(`<polyline fill="none" stroke="${attr(p.color)}" stroke-width="1.5" stroke-dasharray="6 4" points="${line.map((q) => `${f(q[0])},${f(q[1])}`).join(" ")}"/>`);
      const what = o.xScale === "log" && o.yScale === "log" ? `ajuste: y ∝ x^${fmt(fit.slope)}` : `ajuste: inclinação ${fmt(fit.slope)}`;
      legend.push({ name: `${what} (R² = ${formatNumber(fit.r2, { decimals: 3 })})`, color: p.color, dash: true });
    }
  }
  return svgDoc(o, fr, parts.join(""), legend, skipped);
}

/** One bar of a {@link barChart}. */
export interface Bar {
  label: string;
  /** The bar's height; missing values are drawn as "NA" with no bar. */
  value: Maybe;
  color?: string;
}

/**
 * Render a bar chart as SVG. Missing values are labelled "NA" instead of drawn.
 *
 * @param bars label and value of each bar, in order
 * @param options title, y label, y scale and size (`xScale` is ignored)
 * @returns the SVG document as a string
 * @throws CdlabError `ERR_NO_DATA` when no bar has a value
 * @example
 * ```ts
 * const svg = barChart([{ label: "1 processo", value: 4.1 }, { label: "4 processos", value: 1.2 }], { yLabel: "s" });
 * ```
 */
export function barChart(bars: readonly Bar[], options: ChartOptions = {}): string {
  const o = checkOptions({ ...options, xScale: "linear" });
  if (!isArray(bars)) invalidArg("bars", bars, "esperado um array de { label, value }");
  const ok = (v: Maybe) => isNum(v) && (o.yScale !== "log" || v > 0);
  const vals = bars.filter((b) => ok(b.value)).map((b) => b.value as number);
  if (vals.length === 0) throw new CdlabError("ERR_NO_DATA", "Nada a desenhar: nenhuma barra tem valor finito");
  const base = o.yScale === "log" ? Math.min(...vals) : Math.min(0, ...vals);
  const slot = (o.width - 90) / bars.length;
  const longest = Math.max(...bars.map((b) => String(b.label).length));
  const rotate = longest * 6.5 > slot * 0.95; // labels would overlap: slant them
  const fr = frame(o, [0, bars.length], [base, ...vals], true, rotate ? Math.min(longest * 4.5, o.height / 3) : 0);
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const cx = fr.left + slot * (i + 0.5);
    parts.push(rotate
      ? `<text transform="translate(${f(cx + 4)} ${f(fr.bottom + 10)}) rotate(-35)" text-anchor="end" font-size="11">${escapeHtml(String(b.label))}</text>`
      : `<text x="${f(cx)}" y="${f(fr.bottom + 16)}" text-anchor="middle" font-size="11">${escapeHtml(String(b.label))}</text>`);
    if (!ok(b.value)) {
      parts.push(`<text x="${f(cx)}" y="${f(fr.bottom - 6)}" text-anchor="middle" font-size="11" fill="#888">NA</text>`);
      return;
    }
    const y0 = fr.py(o.yScale === "log" ? fr.yMin : Math.max(0, fr.yMin));
    const y1 = fr.py(b.value as number);
    const top = Math.min(y0, y1);
    parts.push(`<rect x="${f(cx - slot * 0.35)}" y="${f(top)}" width="${f(slot * 0.7)}" height="${f(Math.abs(y1 - y0))}" fill="${attr(b.color ?? PALETTE[0])}"/>`);
    parts.push(`<text x="${f(cx)}" y="${f(top - 4)}" text-anchor="middle" font-size="11">${fmt(b.value as number)}</text>`);
  });
  return svgDoc(o, fr, parts.join(""), [], bars.length - vals.length, true);
}

/**
 * Show a line/scatter chart in the notebook (see {@link lineChart}); same
 * parameters. Returns nothing, so the last line of a cell shows the chart
 * once; {@link lineChart} gives the SVG text to save or embed.
 *
 * @param series one or more {@link Series}
 * @param options title, axis labels, scales and size
 * @example
 * ```ts
 * plot([{ name: "t", x: [1, 2, 4], y: [8, 4.2, 2.3], mode: "both" }], { xLabel: "workers", yLabel: "s" });
 * ```
 */
export function plot(series: readonly Series[], options: ChartOptions = {}): void {
  display.svg(lineChart(series, options));
}

/**
 * Show a bar chart in the notebook (see {@link barChart}); same parameters.
 *
 * @param data label and value of each bar, in order
 * @param options title, y label, y scale and size
 * @example
 * ```ts
 * bars([{ label: "threads", value: 0.4 }, { label: "processos", value: 0.9 }], { yLabel: "s" });
 * ```
 */
export function bars(data: readonly Bar[], options: ChartOptions = {}): void {
  display.svg(barChart(data, options));
}

// ---------------------------------------------------------------- internals

type Opts = Required<Pick<ChartOptions, "width" | "height" | "xScale" | "yScale">> & ChartOptions;

interface Frame {
  left: number; right: number; top: number; bottom: number;
  xMin: number; xMax: number; yMin: number; yMax: number;
  px(x: number): number;
  py(y: number): number;
}

function checkOptions(options: ChartOptions): Opts {
  const { width = 640, height = 400, xScale = "linear", yScale = "linear" } = options ?? {};
  if (!Number.isFinite(width) || width < 100) invalidArg("width", width, "esperado um número de pixels ≥ 100");
  if (!Number.isFinite(height) || height < 80) invalidArg("height", height, "esperado um número de pixels ≥ 80");
  for (const [k, v] of [["xScale", xScale], ["yScale", yScale]] as const) if (v !== "linear" && v !== "log") invalidArg(k, v, 'esperado "linear" ou "log"');
  return { ...options, width, height, xScale, yScale };
}

function frame(o: Opts, xs: number[], ys: number[], bar = false, bottomPad = 0): Frame {
  const left = 70, right = o.width - 20, top = o.title ? 36 : 16, bottom = o.height - 48 - bottomPad;
  const [xMin, xMax] = pad(Math.min(...xs), Math.max(...xs), o.xScale, bar);
  const [yMin, yMax] = pad(Math.min(...ys), Math.max(...ys), o.yScale, false);
  const t = (v: number, s: Scale) => (s === "log" ? Math.log10(v) : v);
  const map = (v: number, a: number, b: number, s: Scale, p0: number, p1: number) =>
    p0 + ((t(v, s) - t(a, s)) / (t(b, s) - t(a, s))) * (p1 - p0);
  return {
    left, right, top, bottom, xMin, xMax, yMin, yMax,
    px: (x) => map(x, xMin, xMax, o.xScale, left, right),
    py: (y) => map(y, yMin, yMax, o.yScale, bottom, top),
  };
}

function svgDoc(o: Opts, fr: Frame, body: string, legend: { name: string; color: string; dash?: boolean; marker?: boolean }[], skipped: number, bar = false): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (o.title) out.push(`<text x="${o.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeHtml(o.title)}</text>`);
  out.push(...gridAndLabels(o, fr, "y"));
  if (!bar) out.push(...gridAndLabels(o, fr, "x"));
  out.push(`<rect x="${fr.left}" y="${fr.top}" width="${fr.right - fr.left}" height="${fr.bottom - fr.top}" fill="none" stroke="#333"/>`);
  out.push(`<g>${body}</g>`);
  if (o.xLabel) out.push(`<text x="${(fr.left + fr.right) / 2}" y="${o.height - 10}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  if (o.yLabel) out.push(`<text transform="translate(16 ${(fr.top + fr.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`);
  legend.forEach((l, i) => {
    const y = fr.top + 14 + i * 16, x = fr.left + 10;
    out.push(l.marker && !l.dash
      ? `<circle cx="${x + 9}" cy="${y - 4}" r="3.5" fill="${attr(l.color)}"/>`
      : `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${attr(l.color)}" stroke-width="2"${l.dash ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${x + 24}" y="${y}">${escapeHtml(l.name)}</text>`);
  });
  if (skipped > 0) out.push(`<text x="${fr.right}" y="${fr.top - 4}" text-anchor="end" fill="#888">${skipped} ${bar ? "barra(s) sem valor (NA)" : "ponto(s) sem valor (NA) omitido(s)"}</text>`);
  out.push(`</svg>`);
  return out.join("\n");
}

/** One axis's grid lines and tick labels: the y axis's labels left of the plot, the x axis's below it. */
function gridAndLabels(o: Opts, fr: Frame, axis: "x" | "y"): string[] {
  const values = axis === "x" ? ticks(fr.xMin, fr.xMax, o.xScale) : ticks(fr.yMin, fr.yMax, o.yScale);
  const group = axisGroup(values);
  return values.flatMap((v) => {
    const [x1, x2, y1, y2] = axis === "x" ? [fr.px(v), fr.px(v), fr.top, fr.bottom] : [fr.left, fr.right, fr.py(v), fr.py(v)];
    const [x, y, anchor] = axis === "x" ? [x1, fr.bottom + 16, "middle"] : [fr.left - 6, y1 + 4, "end"];
    return [
      `<line x1="${f(x1)}" x2="${f(x2)}" y1="${f(y1)}" y2="${f(y2)}" stroke="#e5e5e5"/>`,
      `<text x="${f(x)}" y="${f(y)}" text-anchor="${anchor}">${fmt(v, group)}</text>`,
    ];
  });
}

/** An axis groups thousands in all its tick labels when its largest one has five digits (`5.000`, `10.000`; `2020`). */
function axisGroup(values: number[]): boolean {
  return values.some((v) => Math.abs(v) >= 1e4);
}

function isArray(v: unknown): boolean {
  return Array.isArray(v);
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function attr(s: string): string {
  return escapeHtml(s);
}
