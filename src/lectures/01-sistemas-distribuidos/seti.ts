/**
 * SETI@home and BOINC arithmetic from the lecture, computed instead of restated.
 *
 * @example
 * ```ts
 * import { setiNumbers } from "cdlab/lectures/01-sistemas-distribuidos";
 * setiNumbers().cpuHoursPerDay; // 4_200_000
 * ```
 */
import { invalidArg } from "../../runtime/errors";

/** Inputs of {@link setiNumbers} (the lecture's values are the defaults). */
export interface SetiInputs {
  /** Data recorded per day at Arecibo, in gigabytes (10⁹ bytes). @default 35 */
  gigabytesPerDay?: number;
  /** Work units the day's data is split into. @default 140000 */
  workUnits?: number;
  /** Hours a home computer takes for one work unit. @default 30 */
  hoursPerUnit?: number;
}

/** What follows from {@link SetiInputs}. */
export interface SetiNumbers {
  gigabytesPerDay: number;
  workUnits: number;
  hoursPerUnit: number;
  /** Size of one work unit in kilobytes (10³ bytes). */
  kilobytesPerUnit: number;
  /** CPU-hours of analysis for one day of data (the slide's "4.2 milhões de horas"). */
  cpuHoursPerDay: number;
  /** The same in CPU-years. */
  cpuYearsPerDay: number;
  /** Home computers running 24 h a day needed just to keep up with the antenna. */
  computersToKeepUp: number;
  /** Average data rate from the antenna, in megabits per second. */
  megabitsPerSecond: number;
  /** Hours of computing per byte of data (shows why the work is cheap to ship). */
  computeSecondsPerKilobyte: number;
}

/**
 * Compute the SETI@home slide's numbers.
 *
 * @param inputs data per day, work units, hours per unit
 * @returns derived quantities (sizes, CPU-hours, computers needed, data rate)
 * @example
 * ```ts
 * const s = setiNumbers(); s.kilobytesPerUnit; // 250
 * ```
 */
export function setiNumbers(inputs: SetiInputs = {}): SetiNumbers {
  const { gigabytesPerDay = 35, workUnits = 140_000, hoursPerUnit = 30 } = inputs;
  for (const [k, v] of Object.entries({ gigabytesPerDay, workUnits, hoursPerUnit })) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) invalidArg(k, v, "deve ser um número positivo");
  }
  const bytes = gigabytesPerDay * 1e9;
  const cpuHoursPerDay = workUnits * hoursPerUnit;
  return {
    gigabytesPerDay,
    workUnits,
    hoursPerUnit,
    kilobytesPerUnit: bytes / workUnits / 1e3,
    cpuHoursPerDay,
    cpuYearsPerDay: cpuHoursPerDay / (24 * 365.25),
    computersToKeepUp: cpuHoursPerDay / 24,
    megabitsPerSecond: (bytes * 8) / 86_400 / 1e6,
    computeSecondsPerKilobyte: (hoursPerUnit * 3600) / (bytes / workUnits / 1e3),
  };
}

/** Inputs of {@link boincNumbers} (the lecture's values are the defaults). */
export interface BoincInputs {
  /** @default 401634 */
  volunteers?: number;
  /** @default 516840 */
  computers?: number;
  /**
   * 24-hour average, in PetaFLOPS. The slide's "6,348" comes from a page
   * written with a decimal comma: 6.348 PetaFLOPS (read as 6348, each computer
   * would do 12 TeraFLOPS — a supercomputer, not a home PC). @default 6.348
   */
  petaflops?: number;
}

/**
 * Per-volunteer and per-computer figures of the BOINC slide.
 *
 * @param inputs volunteers, computers and total PetaFLOPS
 * @returns computers per volunteer and GFLOPS per computer
 * @example
 * ```ts
 * boincNumbers().gigaflopsPerComputer; // ≈ 12.3
 * ```
 */
export function boincNumbers(inputs: BoincInputs = {}): { volunteers: number; computers: number; petaflops: number; computersPerVolunteer: number; gigaflopsPerComputer: number } {
  const { volunteers = 401_634, computers = 516_840, petaflops = 6.348 } = inputs;
  for (const [k, v] of Object.entries({ volunteers, computers, petaflops })) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) invalidArg(k, v, "deve ser um número positivo");
  }
  return { volunteers, computers, petaflops, computersPerVolunteer: computers / volunteers, gigaflopsPerComputer: (petaflops * 1e6) / computers };
}
