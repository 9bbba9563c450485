/**
 * nbgrader's cell checksum, byte for byte (nbgrader `utils.compute_checksum`):
 * md5 over the UTF-8 of, in order, the source, the cell type, `str(is_grade)`,
 * `str(is_solution)`, `str(is_locked)` (Python's `True`/`False`), the grade_id
 * and, for grade cells only, `str(float(points))` as Python prints a float
 * (`1.0`, `0.5`, `1e+16`).
 */
import { createHash } from "node:crypto";
import { cellSource, type Cell, type NbgraderMeta } from "./notebook";

/**
 * Python's `repr(float(x))` (what `str()` prints for a float).
 *
 * @param x the number
 * @returns e.g. `"1.0"`, `"0.5"`, `"1e+16"`, `"1e-05"`, `"inf"`
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // Shortest round-trip digits, like Python's repr (David Gay / Grisu both give the shortest).
  const [mant, expText] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const decpt = Number(expText) + 1; // value = 0.DIGITS × 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const e = decpt - 1;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Python's `float(v)` for the JSON values nbgrader metadata can hold. */
export function pythonFloatOf(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const t = v.trim().replace(/_/g, "");
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(t)) return NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  }
  throw new TypeError(`não foi possível converter em número: ${JSON.stringify(v)}`);
}

/** Python's `str()` of a JSON value read from metadata (booleans print as True/False). */
function pythonStr(v: unknown): string {
  if (v === true) return "True";
  if (v === false || v === undefined) return "False";
  if (v === null) return "None";
  return String(v);
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

/** nbgrader `is_grade`: the raw `grade` value (False when absent). */
function gradeFlag(m: NbgraderMeta | undefined): unknown {
  return m ? (m.grade ?? false) : false;
}
function solutionFlag(m: NbgraderMeta | undefined): unknown {
  return m ? (m.solution ?? false) : false;
}
/** nbgrader `is_locked`: solution → False; grade → True; else the raw `locked`. */
function lockedFlag(m: NbgraderMeta | undefined): unknown {
  if (!m) return false;
  if (truthy(solutionFlag(m))) return false;
  if (truthy(gradeFlag(m))) return true;
  return m.locked ?? false;
}

/** nbgrader `is_grade`. */
export const isGrade = (c: Cell): boolean => truthy(gradeFlag(c.metadata?.nbgrader));
/** nbgrader `is_solution`. */
export const isSolution = (c: Cell): boolean => truthy(solutionFlag(c.metadata?.nbgrader));
/** nbgrader `is_locked` (grade cells are locked unless they are also solutions). */
export const isLocked = (c: Cell): boolean => truthy(lockedFlag(c.metadata?.nbgrader));

/**
 * The checksum nbgrader stores in `metadata.nbgrader.checksum`.
 *
 * @param cell a cell with `metadata.nbgrader.grade_id`
 * @returns 32 lowercase hex digits
 */
export function computeChecksum(cell: Cell): string {
  const m = cell.metadata?.nbgrader;
  if (!m || typeof m.grade_id !== "string") throw new TypeError("célula sem grade_id do nbgrader");
  const h = createHash("md5");
  h.update(cellSource(cell), "utf8");
  h.update(cell.cell_type, "utf8");
  h.update(pythonStr(gradeFlag(m)), "utf8");
  h.update(pythonStr(solutionFlag(m)), "utf8");
  h.update(pythonStr(lockedFlag(m)), "utf8");
  h.update(m.grade_id, "utf8");
  if (truthy(gradeFlag(m))) h.update(pythonFloat(pythonFloatOf(m.points)), "utf8");
  return h.digest("hex");
}
