/**
 * Numbers and values as a student reads them, in Brazilian Portuguese: decimal comma and "." grouping
 * (`1.234,5`), percentages with a space (`0,42 %`), `sim`/`não` for booleans. Tables (`table`), charts (ticks,
 * value labels, the fit's legend) and the progress bar all format through here, so a notebook never mixes formats.
 *
 * @example
 * ```ts
 * import { formatNumber, formatPercent } from "cdlab";
 * formatNumber(1234.5);          // "1.234,5"
 * formatNumber(2 / 3, { decimals: 2 }); // "0,67"
 * formatPercent(0.0042);         // "0,42 %"
 * ```
 */

/** Options of {@link formatNumber}. */
export interface NumberFormatOptions {
  /**
   * Exactly this many digits after the comma (like `toFixed`).
   * @default automatic: at most 2 decimals from 1 up (`1.234,57`), 3 significant digits below 1 (`0,00423`)
   */
  decimals?: number;
  /** At most this many digits after the comma (`formatNumber(1.25, { maxDecimals: 1 })` is `"1,3"`); `decimals` wins. */
  maxDecimals?: number;
  /**
   * Group thousands with ".": `true` always (`1.234`), `"min2"` from five digits on (`1234`, `12.345`), `false` never.
   * @default true
   */
  group?: boolean | "min2";
}

const formats = new Map<string, Intl.NumberFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let f = formats.get(key);
  // signDisplay "negative" (ES2023, not yet in TypeScript's lib): no "-0" nor "-0,00".
  if (!f) formats.set(key, (f = new Intl.NumberFormat("pt-BR", { signDisplay: "negative", ...options } as Intl.NumberFormatOptions)));
  return f;
}

/**
 * A number in the Brazilian format.
 *
 * @param value the number (a bigint is grouped too)
 * @param options decimals and grouping
 * @returns e.g. `"1.234,5"`, `"-0,5"`, `"0,00423"`, `"∞"`
 * @example
 * ```ts
 * formatNumber(12345.678); // "12.345,68"
 * formatNumber(50000, { group: false }); // "50000"
 * ```
 */
export function formatNumber(value: number | bigint, options: NumberFormatOptions = {}): string {
  const { decimals, maxDecimals, group = true } = options;
  const useGrouping = group === "min2" ? "min2" : group ? "always" : false;
  if (typeof value === "bigint") return numberFormat({ useGrouping } as Intl.NumberFormatOptions).format(value);
  const digits: Intl.NumberFormatOptions =
    decimals !== undefined
      ? { minimumFractionDigits: decimals, maximumFractionDigits: decimals }
      : maxDecimals !== undefined
        ? { maximumFractionDigits: maxDecimals }
        : Math.abs(value) >= 1 || value === 0 || !Number.isFinite(value)
        ? { maximumFractionDigits: 2 }
        : { maximumSignificantDigits: 3 };
  return numberFormat({ ...digits, useGrouping } as Intl.NumberFormatOptions).format(value);
}

/**
 * A fraction as a percentage in the Brazilian format, with a space before `%`.
 *
 * @param fraction the fraction (0.5 is 50 %)
 * @param options.decimals exactly this many digits after the comma @default automatic, as {@link formatNumber}
 * @returns e.g. `"0,42 %"`, `"50 %"`
 * @example
 * ```ts
 * formatPercent(0.5); // "50 %"
 * ```
 */
export function formatPercent(fraction: number, options: { decimals?: number } = {}): string {
  return `${formatNumber(fraction * 100, { decimals: options.decimals })} %`;
}

/**
 * A value in a table cell, as a student reads it.
 *
 * - `true`/`false` → `sim`/`não`;
 * - an integer stays as it is, ungrouped (`50000`, `4206649`, `2024`): a table cannot tell a count from a port, a
 *   PID, an IPC key or a year, and grouping an identifier misleads; pass `formatNumber(n)` to group a count;
 * - any other number in the Brazilian format (`1.234,57`, `0,0042`, `NaN`, `∞`);
 * - an array, its items formatted so and joined by `, ` (by `; ` when an item holds a comma);
 * - a Date in pt-BR (`29/11/2026, 05:15:22`); `null`/`undefined` empty; another object as JSON; a string as is.
 *
 * @param v the value
 * @returns its text
 */
export function formatCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "boolean") return v ? "sim" : "não";
  if (typeof v === "number") return Number.isInteger(v) ? String(v === 0 ? 0 : v) : formatNumber(v);
  if (typeof v === "bigint") return String(v);
  if (v instanceof Date) return v.toLocaleString("pt-BR");
  if (Array.isArray(v)) {
    const items = v.map(formatCell);
    return items.join(items.some((s) => s.includes(",")) ? "; " : ", ");
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
