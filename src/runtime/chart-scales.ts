/**
 * The numbers behind cdlab's charts: missing values, linear and log scales, "nice" tick positions, axis
 * padding, tick labels, and the least-squares line that charts fit (and notebooks use on their own, e.g.
 * Grosch's exponent in lecture 01). No SVG here: src/runtime/plot.ts draws.
 *
 * @example
 * ```ts
 * import { linearFit, ticks } from "cdlab";
 * linearFit([1, 2, 3], [2, 4, 6]).slope; // 2
 * ticks(0, 10); // [0, 2, 4, 6, 8, 10]
 * ```
 */
import { CdlabError, invalidArg } from "./errors";
import { formatNumber } from "./numbers";

/** A value that may be missing: `null`, `undefined` or NaN are skipped. */
export type Maybe = number | null | undefined;

/** Axis scale. */
export type Scale = "linear" | "log";

/** A least-squares line `y = slope·x + intercept`. */
export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination (1 = perfect fit). */
  r2: number;
  /** How many points were used. */
  n: number;
}

/**
 * Least-squares fit of a straight line. Pairs with a non-finite member are skipped.
 *
 * @param xs x values
 * @param ys y values (same length)
 * @returns slope, intercept, r² and the number of points used
 * @throws CdlabError `ERR_NO_DATA` with fewer than 2 usable points or all x equal
 * @example
 * ```ts
 * linearFit([1, 2, 3], [2, 4, 6]); // { slope: 2, intercept: 0, r2: 1, n: 3 }
 * ```
 */
export function linearFit(xs: readonly Maybe[], ys: readonly Maybe[]): LinearFit {
  const pts = pairs(xs, ys, (v) => isNum(v));
  const n = pts.length;
  if (n < 2) throw new CdlabError("ERR_NO_DATA", `Não é possível ajustar uma reta: são precisos pelo menos 2 pontos com números, há ${n}`);
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) throw new CdlabError("ERR_NO_DATA", "Não é possível ajustar uma reta: todos os valores de x são iguais");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2, n };
}

/**
 * Tick positions for an axis: "nice" steps (1, 2, 5 × 10^k) on a linear axis,
 * powers of ten on a log axis (with 2 and 5 in between when the range spans
 * less than two decades).
 *
 * @param min smallest value (> 0 on a log axis)
 * @param max largest value
 * @param scale "linear" or "log" @default "linear"
 * @returns ascending tick values inside [min, max]
 * @example
 * ```ts
 * ticks(3, 4000, "log"); // [10, 100, 1000]
 * ```
 */
export function ticks(min: number, max: number, scale: Scale = "linear"): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) invalidArg("min/max", [min, max], "esperado números finitos com min ≤ max");
  if (scale === "log") {
    if (min <= 0) invalidArg("min", min, "um eixo logarítmico precisa de valores > 0");
    const lo = Math.floor(Math.log10(min) + 1e-9), hi = Math.ceil(Math.log10(max) - 1e-9);
    const decades = Math.log10(max / min);
    const mults = decades < 1 ? [1, 2, 3, 5, 7] : decades < 2 ? [1, 2, 5] : [1];
    const out: number[] = [];
    for (let e = lo; e <= hi; e++) {
      for (const m of mults) {
        const v = m * 10 ** e;
        if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(Number(v.toPrecision(12)));
      }
    }
    return out;
  }
  if (min === max) return [min];
  const raw = (max - min) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function pad(min: number, max: number, s: Scale, exact: boolean): [number, number] {
  if (exact) return [min, max];
  if (s === "log") {
    if (min === max) return [min / 2, max * 2];
    const r = (max / min) ** 0.05;
    return [min / r, max * r];
  }
  if (min === max) return [min - (Math.abs(min) || 1) * 0.5, max + (Math.abs(max) || 1) * 0.5];
  const d = (max - min) * 0.05;
  return [min >= 0 && min - d < 0 ? 0 : min - d, max + d];
}

export function isNum(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

export function pairs(xs: readonly Maybe[], ys: readonly Maybe[], ok: (v: Maybe) => boolean): [number, number][] {
  if (xs.length !== ys.length) invalidArg("ys", `${ys.length} valores`, `esperado tantos valores quanto xs (${xs.length})`);
  const out: [number, number][] = [];
  xs.forEach((x, i) => {
    if (ok(x) && ok(ys[i])) out.push([x as number, ys[i] as number]);
  });
  return out;
}

export function runs<T>(pts: (T | null)[]): T[][] {
  const out: T[][] = [[]];
  for (const p of pts) {
    if (p) out[out.length - 1].push(p);
    else if (out[out.length - 1].length) out.push([]);
  }
  return out;
}

const SUPERSCRIPT: Record<string, string> = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/**
 * Short pt-BR number text for ticks and labels, 3 significant digits: `0,25`, `1,5`, `2020`, `12.500`; from 10⁷ up
 * and below 10⁻³ as a power of ten, `1,5×10⁷`, `2,0×10⁻⁴`.
 *
 * @param v the value
 * @param group group thousands with "." @default from five digits on (a year stays `2020`); an axis passes
 *   whether its largest tick has five digits, so its ticks are grouped alike (`5.000`, `10.000`)
 */
export function fmt(v: number, group: boolean = Math.abs(v) >= 1e4): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e7 || a < 1e-3) {
    const [m, e] = v.toExponential(1).split("e");
    return `${formatNumber(Number(m), { decimals: 1 })}×10${[...String(Number(e))].map((c) => SUPERSCRIPT[c]).join("")}`;
  }
  return formatNumber(Number(v.toPrecision(3)), { group });
}
