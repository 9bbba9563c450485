/**
 * Signal dispositions: /proc/PID/status lists them as 64-bit hex masks
 * (SigIgn ignored, SigCgt caught by a handler, SigBlk blocked, SigPnd pending);
 * bit n-1 stands for signal n.
 *
 * @example
 * ```ts
 * decodeSignalMask("0000000000001000"); // ["SIGPIPE"]
 * ```
 */
import os from "node:os";

const NAMES: Record<number, string> = {};
for (const [name, num] of Object.entries(os.constants.signals)) if (!(num in NAMES)) NAMES[num] = name;

/**
 * Name of signal `n` (`SIGRTMIN+k` for real-time signals).
 * @returns the name, e.g. "SIGINT"
 * @example
 * ```ts
 * signalName(2); // "SIGINT"
 * ```
 */
export function signalName(n: number): string {
  if (NAMES[n]) return NAMES[n];
  if (n >= 34 && n <= 64) return n === 34 ? "SIGRTMIN" : `SIGRTMIN+${n - 34}`;
  return `SIG${n}`;
}

/**
 * Decode a /proc signal mask into signal names.
 *
 * @param hex the mask, e.g. "0000000000001000"
 * @returns the names of the signals whose bit is set, in signal-number order
 * @example
 * ```ts
 * decodeSignalMask("0000000000004002"); // ["SIGINT", "SIGTERM"]
 * ```
 */
export function decodeSignalMask(hex: string): string[] {
  if (!/^[0-9a-fA-F]+$/.test(hex)) return [];
  const mask = BigInt(`0x${hex}`);
  const out: string[] = [];
  for (let n = 1; n <= 64; n++) if ((mask >> BigInt(n - 1)) & 1n) out.push(signalName(n));
  return out;
}
