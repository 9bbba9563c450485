/**
 * Progress of a long run, shown as it goes: in a notebook an HTML bar (with a
 * plain-text fallback) updated in place; on a terminal one line redrawn with
 * `\r`. Redraws are throttled (at most one every 250 ms, the last state
 * always shown), and a bar ends in a done ("concluído") or failed ("falhou")
 * state.
 *
 * @example
 * ```ts
 * import { progress } from "cdlab";
 * declare function passo(i: number): Promise<void>;
 * const barra = progress({ total: 100, label: "copiando" });
 * for (let i = 0; i < 100; i++) { await passo(i); barra.tick(); }
 * barra.done();
 * ```
 */
import { display, escapeHtml, inKernel, NO_ECHO, type DisplayHandle, type MimeBundle } from "./display";
import { invalidArg } from "./errors";
import { formatNumber } from "./numbers";

/** A progress bar. */
export interface Progress {
  /** How far it got, from 0 to `total`. */
  readonly value: number;
  readonly total: number;
  /** Advance by `n`. @default 1 */
  tick(n?: number): void;
  /** Set how far it got (clamped to 0..total), and optionally a new label. */
  set(value: number, label?: string): void;
  /** The run finished: a full bar marked "concluído". Idempotent; later calls change nothing. */
  done(label?: string): void;
  /** The run failed: the bar stops where it was, marked "falhou" with the reason. */
  fail(reason?: unknown): void;
}

/**
 * The `progress` option of a long helper: called with how much is done and
 * the total, as the run goes (its last call has `done === total`).
 */
export type ProgressHook = (done: number, total: number) => void;

/** Time, for the throttle (a fake one in tests). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** The state a bar is drawn from. */
export interface ProgressState {
  value: number;
  total: number;
  label: string;
  state: "running" | "done" | "failed";
  /** The failure's message. */
  reason?: string;
  elapsedMs: number;
}

/**
 * Calls to `request` run `draw` at most once every `intervalMs`: the first
 * at once, later ones at the end of the interval (one draw for all the
 * requests made meanwhile); `now` draws at once.
 */
export function throttle(draw: () => void, intervalMs: number, clock: Clock = realClock) {
  let last = -Infinity;
  let timer: unknown;
  const run = () => {
    timer = undefined;
    last = clock.now();
    draw();
  };
  return {
    request(): void {
      if (timer !== undefined) return;
      const wait = last + intervalMs - clock.now();
      if (wait <= 0) run();
      else timer = clock.setTimeout(run, wait);
    },
    now(): void {
      if (timer !== undefined) clock.clearTimeout(timer);
      run();
    },
  };
}

/** Build a bar over `draw`. */
function createProgress(total: number, label: string, draw: (s: ProgressState) => void, intervalMs: number, clock: Clock): Progress {
  if (!Number.isFinite(total) || total < 0) invalidArg("total", total, "deve ser um número finito ≥ 0");
  const start = clock.now();
  const s: ProgressState = { value: 0, total, label, state: "running", elapsedMs: 0 };
  const redraw = () => draw({ ...s, elapsedMs: clock.now() - start });
  const t = throttle(redraw, intervalMs, clock);
  t.request();
  const bar: Progress = {
    get value() {
      return s.value;
    },
    total,
    tick(n = 1) {
      bar.set(s.value + n);
    },
    set(value, newLabel) {
      if (s.state !== "running") return;
      s.value = Math.min(total, Math.max(0, value));
      if (newLabel !== undefined) s.label = newLabel;
      t.request();
    },
    done(newLabel) {
      if (s.state !== "running") return;
      s.state = "done";
      s.value = total;
      if (newLabel !== undefined) s.label = newLabel;
      t.now();
    },
    fail(reason) {
      if (s.state !== "running") return;
      s.state = "failed";
      if (reason !== undefined) s.reason = reason instanceof Error ? reason.message : String(reason);
      t.now();
    },
  };
  return Object.defineProperty(bar, NO_ECHO, { value: true });
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** The value at which the run is complete (steps, bytes…). */
  total: number;
  /** What is running, shown before the bar. @default "progresso" */
  label?: string;
  /** The display's id (re-running the cell with the same id redraws the same bar). */
  id?: string;
  /** The shortest time between two redraws, in ms. @default 250 */
  intervalMs?: number;
  /** @internal time source for tests */
  clock?: Clock;
}

/**
 * Show a progress bar that updates in place: an HTML bar in the notebook (a
 * text line where HTML is not shown), a line on stderr in a terminal, nothing
 * elsewhere.
 *
 * @param options.total the value at which the run is complete
 * @param options.label what is running @default "progresso"
 * @returns the bar: `tick()`, `set(value)`, `done()`, `fail(reason)`
 * @example
 * ```ts
 * declare function rodada(i: number): Promise<void>;
 * const barra = progress({ total: 10, label: "rodadas" });
 * for (let i = 0; i < 10; i++) { await rodada(i); barra.tick(); }
 * barra.done();
 * ```
 */
export function progress(options: ProgressOptions): Progress {
  const { total, label = "progresso", id, intervalMs = 250, clock = realClock } = options;
  if (!inKernel()) return progressBar(process.stderr, total, label, { intervalMs, clock });
  let shown: DisplayHandle | undefined;
  return createProgress(total, label, (s) => {
    const bundle = progressBundle(s);
    if (shown) shown.update(bundle);
    else shown = display.raw(bundle, { id });
  }, intervalMs, clock);
}

/**
 * A {@link ProgressHook} that shows a bar (created at its first call, when
 * the total is known) labelled `label`; done when the run reports it all.
 *
 * @example
 * ```ts
 * import { progressHook } from "cdlab";
 * import { copyExperiment } from "cdlab/lectures/08-memoria-compartilhada";
 * await copyExperiment({ progress: progressHook("cópias") });
 * ```
 */
export function progressHook(label: string, options: Omit<ProgressOptions, "total" | "label"> = {}): ProgressHook {
  let bar: Progress | undefined;
  return (done, total) => {
    bar ??= progress({ ...options, total, label });
    bar.set(done);
    if (done >= total) bar.done();
  };
}

/**
 * A progress bar on a terminal stream (`cdlab grade` on stderr): one line
 * redrawn in place; nothing is written when the stream is not a terminal.
 *
 * @param stream where to draw (e.g. `process.stderr`)
 * @param total the value at which the run is complete
 * @param label what is running
 * @example
 * ```ts
 * declare const envios: string[];
 * declare function corrigir(envio: string): Promise<void>;
 * const barra = progressBar(process.stderr, envios.length, "corrigindo");
 * for (const e of envios) { await corrigir(e); barra.tick(); }
 * barra.done();
 * ```
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  total: number,
  label: string,
  options: { intervalMs?: number; clock?: Clock } = {},
): Progress {
  const { intervalMs = 250, clock = realClock } = options;
  return createProgress(total, label, (s) => {
    if (!stream.isTTY) return;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - label.length - 40));
    stream.write(`\r\x1b[2K${progressText(s, width)}${s.state === "running" ? "" : "\n"}`);
  }, intervalMs, clock);
}

const COLORS = { running: "#1976d2", done: "#2e7d32", failed: "#c62828" };

function fraction(s: ProgressState): number {
  return s.total === 0 ? 1 : s.value / s.total;
}

/** The status after the bar: "50 % (5/10) · 1,2 s", "concluído em 3,4 s", "falhou: …". */
function status(s: ProgressState): string {
  const secs = `${formatNumber(s.elapsedMs / 1000, { maxDecimals: 1 })} s`;
  const count = `${Math.floor(fraction(s) * 100)} % (${formatNumber(s.value)}/${formatNumber(s.total)})`;
  if (s.state === "done") return `concluído em ${secs}`;
  if (s.state === "failed") return `falhou em ${count}${s.reason ? `: ${s.reason}` : ""}`;
  return `${count} · ${secs}`;
}

/** A bar as one line of text: `label [#####.....] 50 % (5/10) · 1,2 s`. */
export function progressText(s: ProgressState, width = 20): string {
  const full = Math.round(fraction(s) * width);
  return `${s.label} [${"#".repeat(full)}${".".repeat(width - full)}] ${status(s)}`;
}

/** A bar as HTML and text. */
export function progressBundle(s: ProgressState): MimeBundle {
  const pct = (fraction(s) * 100).toFixed(1);
  const html =
    `<div class="cdlab-progress" data-state="${s.state}" style="font-family:sans-serif;font-size:13px;max-width:36em">` +
    `<div style="display:flex;justify-content:space-between;gap:1em"><span>${escapeHtml(s.label)}</span><span>${escapeHtml(status(s))}</span></div>` +
    `<div style="background:#e0e0e0;border-radius:3px;height:10px;overflow:hidden">` +
    `<div style="width:${pct}%;height:100%;background:${COLORS[s.state]}"></div></div></div>`;
  return { "text/html": html, "text/plain": progressText(s) };
}
