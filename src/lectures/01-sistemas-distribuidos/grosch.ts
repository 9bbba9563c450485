/**
 * Grosch's law ("computing power grows with the square of the price") tested
 * on the lecture's own CPU table: parse it (rows priced "NA" are kept and
 * flagged, prices marked `*` are flagged as not current), compute performance
 * per dollar, and fit `log(CPU Mark) = b·log(price) + a` by least squares. The
 * exponent `b` is then compared with Grosch's 2.
 *
 * @example
 * ```ts
 * import { parseCpuTable, LECTURE_CPU_TABLE, groschFit } from "cdlab/lectures/01-sistemas-distribuidos";
 * const cpus = parseCpuTable(LECTURE_CPU_TABLE);
 * groschFit(cpus).exponent; // ≈ 0.23 — far below 2
 * ```
 */
import { CdlabError, invalidArg } from "../../runtime/errors";
import { linearFit } from "../../runtime/plot";

/** The slide "Comparando Processadores" (cpubenchmark.net, high-end CPUs), tab-separated as in the lecture. */
export const LECTURE_CPU_TABLE = `CPU\tCPU Mark\tPrice (USD)
AMD EPYC 9655P\t160,164\t$10,811.00*
AMD Ryzen Threadripper PRO 7995WX\t150,124\t$9,999.99
AMD EPYC 9845\t139,712\t$13,564.00*
AMD Ryzen Threadripper 7980X\t134,418\t$4,782.99
AMD Ryzen Threadripper PRO 7985WX\t133,366\t$7,349.00
AMD EPYC 9684X\t121,467\t$7,750.00*
AMD EPYC 9654\t120,246\t$4,698.95
AMD EPYC 9455P\t117,628\t$4,819.00*
AMD EPYC 9R14\t116,475\tNA
AMD EPYC 9654P\t114,570\t$6,167.66
AMD EPYC 9554P\t110,733\t$4,550.00*
AMD EPYC 9634\t107,944\t$3,949.99*
AMD EPYC 9554\t107,465\t$2,840.00
AMD EPYC 9474F\t105,010\t$3,950.00*
AMD EPYC 9754\t102,135\t$6,498.95
Intel Xeon w9-3595X\t99,523\t$5,889.00*
AMD Ryzen Threadripper 7970X\t98,903\t$2,202.91`;

/** One CPU of the table. */
export interface CpuRow {
  cpu: string;
  cpuMark: number;
  /** Price in US$, or null when the table says NA. */
  price: number | null;
  /** True when the price is NA (the row is kept but cannot enter the fit). */
  na: boolean;
  /** True when the price carries `*` (cpubenchmark: last price seen, not current). */
  priceNotCurrent: boolean;
  /** CPU Mark per US$, or null without a price. */
  markPerDollar: number | null;
}

/**
 * Parse a table of `CPU <tab> CPU Mark <tab> Price` lines (header optional).
 * Numbers may have thousands separators and `$`; a price `NA` gives `price: null`.
 *
 * @param text the table, one CPU per line, columns separated by tabs (or 2+ spaces)
 * @returns one {@link CpuRow} per CPU, in table order (NA rows included)
 * @throws CdlabError `ERR_PARSE` naming the line that does not fit the format
 * @example
 * ```ts
 * parseCpuTable("AMD EPYC 9554\t107,465\t$2,840.00")[0].markPerDollar; // 37.84…
 * ```
 */
export function parseCpuTable(text: string): CpuRow[] {
  if (typeof text !== "string") throw new CdlabError("ERR_PARSE", "Não foi possível ler a tabela de CPUs: era esperado um texto");
  const rows: CpuRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || (i === 0 && /cpu mark/i.test(line))) return;
    const cols = line.split(/\t| {2,}/).map((c) => c.trim()).filter(Boolean);
    const bad = (why: string) => new CdlabError("ERR_PARSE", `Não foi possível ler a linha ${i + 1} da tabela de CPUs ${JSON.stringify(line)}: ${why}`);
    if (cols.length !== 3) throw bad(`eram esperadas 3 colunas (CPU, CPU Mark, preço), há ${cols.length}`);
    const mark = Number(cols[1].replace(/,/g, ""));
    if (!Number.isFinite(mark) || mark <= 0) throw bad(`CPU Mark ${JSON.stringify(cols[1])} não é um número positivo`);
    const na = /^n\/?a$/i.test(cols[2]);
    let price: number | null = null;
    if (!na) {
      price = Number(cols[2].replace(/[$,*\s]/g, ""));
      if (!Number.isFinite(price) || price <= 0) throw bad(`o preço ${JSON.stringify(cols[2])} não é um número positivo nem NA`);
    }
    rows.push({ cpu: cols[0], cpuMark: mark, price, na, priceNotCurrent: cols[2].endsWith("*"), markPerDollar: price === null ? null : mark / price });
  });
  if (rows.length === 0) throw new CdlabError("ERR_PARSE", "Não foi possível ler a tabela de CPUs: nenhuma linha");
  return rows;
}

/** Result of {@link groschFit}. */
export interface GroschFit {
  /** b in `CPU Mark ≈ k·price^b` (Grosch: 2). */
  exponent: number;
  /** k in `CPU Mark ≈ k·price^b`. */
  constant: number;
  /** R² of the fit on log-log axes. */
  r2: number;
  /** CPUs used in the fit. */
  used: number;
  /** CPUs left out because their price is NA, by name. */
  skipped: string[];
}

/**
 * Least-squares fit of `log10(CPU Mark)` against `log10(price)`; rows without a
 * price are listed in `skipped`, never dropped silently.
 *
 * @param rows parsed table
 * @returns the exponent, the constant, R², and what was skipped
 * @throws CdlabError `ERR_NO_DATA` with fewer than 2 priced rows
 * @example
 * ```ts
 * const { exponent, skipped } = groschFit(parseCpuTable(LECTURE_CPU_TABLE));
 * ```
 */
export function groschFit(rows: readonly CpuRow[]): GroschFit {
  const priced = rows.filter((r) => r.price !== null);
  const fit = linearFit(priced.map((r) => Math.log10(r.price as number)), priced.map((r) => Math.log10(r.cpuMark)));
  return { exponent: fit.slope, constant: 10 ** fit.intercept, r2: fit.r2, used: fit.n, skipped: rows.filter((r) => r.price === null).map((r) => r.cpu) };
}

/** Result of {@link cheapVsExpensive}. */
export interface CheapVsExpensive {
  expensive: CpuRow;
  cheap: CpuRow;
  /** How many of the cheap CPU the price of the expensive one buys (fractional). */
  count: number;
  /** Sum of their CPU Marks (assuming the work divides perfectly). */
  totalMark: number;
  /** totalMark / expensive.cpuMark. */
  ratio: number;
}

/**
 * For the price of the most expensive CPU, how much CPU Mark would the one
 * with the best CPU Mark per dollar give, bought many times over.
 *
 * @param rows parsed table (NA rows are ignored here)
 * @returns both CPUs, how many cheap ones, and the ratio of total marks
 * @throws CdlabError `ERR_NO_DATA` when no row has a price
 * @example
 * ```ts
 * cheapVsExpensive(parseCpuTable(LECTURE_CPU_TABLE)).ratio; // > 1: many cheap ones win
 * ```
 */
export function cheapVsExpensive(rows: readonly CpuRow[]): CheapVsExpensive {
  const priced = rows.filter((r) => r.price !== null);
  if (priced.length === 0) throw new CdlabError("ERR_NO_DATA", "Não é possível comparar as CPUs: nenhuma linha tem preço");
  const expensive = priced.reduce((a, b) => ((b.price as number) > (a.price as number) ? b : a));
  const cheap = priced.reduce((a, b) => ((b.markPerDollar as number) > (a.markPerDollar as number) ? b : a));
  const count = (expensive.price as number) / (cheap.price as number);
  const totalMark = count * cheap.cpuMark;
  return { expensive, cheap, count, totalMark, ratio: totalMark / expensive.cpuMark };
}

/** Result of {@link pricePerformanceGrowth}. */
export interface Growth {
  /** Instructions per second per US$ at the start and at the end. */
  startIpsPerDollar: number;
  endIpsPerDollar: number;
  /** How many times better the end is. */
  factor: number;
  /** Improvement per year (1.8 = 80 % a year). */
  perYear: number;
  /** Years for price-performance to double. */
  doublingYears: number;
}

/**
 * Price-performance growth between two computers (the lecture: US$ 10 million
 * for 1 instruction/s, then 50 years later under US$ 1000 for 10⁹ instructions/s).
 *
 * @param options prices (US$), speeds (instructions/s) and years between them
 * @default { startPrice: 10e6, startIps: 1, endPrice: 1000, endIps: 1e9, years: 50 }
 * @returns the factor, the yearly rate and the doubling time
 * @example
 * ```ts
 * pricePerformanceGrowth().doublingYears; // ≈ 1.15
 * ```
 */
export function pricePerformanceGrowth(options: { startPrice?: number; startIps?: number; endPrice?: number; endIps?: number; years?: number } = {}): Growth {
  const { startPrice = 10e6, startIps = 1, endPrice = 1000, endIps = 1e9, years = 50 } = options;
  for (const [k, v] of Object.entries({ startPrice, startIps, endPrice, endIps, years })) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) invalidArg(k, v, "deve ser um número positivo");
  }
  const startIpsPerDollar = startIps / startPrice, endIpsPerDollar = endIps / endPrice;
  const factor = endIpsPerDollar / startIpsPerDollar;
  const perYear = factor ** (1 / years);
  return { startIpsPerDollar, endIpsPerDollar, factor, perYear, doublingYears: Math.log(2) / Math.log(perYear) };
}
