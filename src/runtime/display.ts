/**
 * Rich output from a cell: HTML, SVG, Markdown, JSON, PNG. Inside the cdlab
 * kernel each call sends a Jupyter `display_data` message; elsewhere (a plain
 * Node script, a test) it prints a text fallback to stdout.
 *
 * @example
 * ```ts
 * import { display } from "cdlab";
 * display.html("<b>olá</b>");
 * ```
 */

import { formatCell } from "./numbers";

/** A MIME bundle: MIME type → data (strings; PNG as base64). */
export type MimeBundle = Record<string, string | object>;

/** What the kernel installs to receive display calls. */
export type DisplaySink = (bundle: MimeBundle, options?: { id?: string; update?: boolean }) => void;

/** What the kernel installs to clear a cell's output (clear_output). */
export type ClearSink = (wait: boolean) => void;

const SINK = Symbol.for("cdlab.display.sink");
const CLEAR = Symbol.for("cdlab.display.clear");
type Slots = Record<symbol, DisplaySink | ClearSink | undefined>;

function sink(): DisplaySink | undefined {
  return (globalThis as Slots)[SINK] as DisplaySink | undefined;
}

/** Kernel hook: install the functions that publish display_data and clear_output. */
export function setDisplaySink(fn: DisplaySink | undefined, clear?: ClearSink): void {
  (globalThis as Slots)[SINK] = fn;
  (globalThis as Slots)[CLEAR] = clear;
}

/** True when running inside the cdlab kernel (rich output is available). */
export function inKernel(): boolean {
  return sink() !== undefined;
}

function show(bundle: MimeBundle, options?: { id?: string; update?: boolean }): void {
  const s = sink();
  if (s) s(bundle, options);
  else process.stdout.write(String(bundle["text/plain"] ?? Object.values(bundle)[0]) + "\n");
}

/** Options every `display.*` call accepts. */
export interface DisplayOptions {
  /**
   * The display's id (Jupyter's `display_id`): showing again with the same id
   * (or `handle.update`) replaces it in place, in every cell that shows it.
   * @default a new random id
   */
  id?: string;
}

/**
 * What a `display.*` call returns: the shown output, to change in place.
 *
 * @example
 * ```ts
 * const h = display.markdown("contando: 0");
 * for (let i = 1; i <= 3; i++) { await new Promise((r) => setTimeout(r, 500)); h.update(`contando: ${i}`); }
 * ```
 */
export interface DisplayHandle<A extends unknown[] = [MimeBundle]> {
  /** The display_id the output was shown with. */
  readonly id: string;
  /** Replace the output in place (update_display_data), with the arguments of the call that made it. */
  update(...args: A): void;
  /**
   * Clear the cell's output (clear_output). With `wait` (the default) the old
   * output stays until the next output arrives, so a redraw does not flicker.
   */
  clear(options?: { wait?: boolean }): void;
}

/**
 * A value marked with this symbol is not echoed when it is a cell's last
 * expression (a display handle: the display itself is the output).
 */
export const NO_ECHO = Symbol.for("cdlab.noEcho");

let counter = 0;

function newId(): string {
  return `cdlab-${process.pid}-${Date.now().toString(36)}-${(++counter).toString(36)}`;
}

/** The handle of display `id`, whose update shows `toBundle(...args)`. */
function handle<A extends unknown[]>(toBundle: (...args: A) => MimeBundle, id: string): DisplayHandle<A> {
  const h = {
    id,
    update: (...next: A) => show(toBundle(...next), { id, update: true }),
    clear: ({ wait = true } = {}) => ((globalThis as Slots)[CLEAR] as ClearSink | undefined)?.(wait),
  };
  return Object.defineProperty(h, NO_ECHO, { value: true });
}

/** Show `toBundle(...args)` and return its handle. */
function shown<A extends unknown[]>(toBundle: (...args: A) => MimeBundle, args: A, id: string = newId()): DisplayHandle<A> {
  show(toBundle(...args), { id });
  return handle(toBundle, id);
}

/** `display.html`'s second argument: the plain-text fallback, or options. */
export type HtmlOptions = string | (DisplayOptions & { /** plain-text fallback @default the HTML without tags */ text?: string });

const bundles = {
  html: (html: string, options?: HtmlOptions): MimeBundle => ({
    "text/html": html,
    "text/plain": (typeof options === "string" ? options : options?.text) ?? stripTags(html),
  }),
  svg: (svg: string): MimeBundle => ({ "image/svg+xml": svg, "text/plain": "[imagem SVG]" }),
  markdown: (md: string): MimeBundle => ({ "text/markdown": md, "text/plain": md }),
  json: (value: unknown): MimeBundle => ({ "application/json": value as object, "text/plain": JSON.stringify(value, null, 2) }),
  png: (bytes: Uint8Array): MimeBundle => ({ "image/png": Buffer.from(bytes).toString("base64"), "text/plain": "[imagem PNG]" }),
  text: (text: string): MimeBundle => ({ "text/plain": text }),
};

/**
 * Functions that show rich output in the notebook. Each accepts `{ id }` and
 * returns a {@link DisplayHandle} to update the output in place.
 *
 * @example
 * ```ts
 * const placar = display.html("<b>0</b>", { id: "placar" });
 * placar.update("<b>1</b>");
 * ```
 */
export const display = {
  /**
   * Show raw MIME data (several representations of one thing).
   *
   * @param options.update replace the display `id` shows instead of adding one
   */
  raw(bundle: MimeBundle, options: DisplayOptions & { update?: boolean } = {}): DisplayHandle {
    const id = options.id ?? newId();
    show(bundle, { id, update: options.update });
    return handle((b: MimeBundle) => b, id);
  },
  /** Show HTML. @param options the plain-text fallback, or `{ text, id }` */
  html(html: string, options?: HtmlOptions): DisplayHandle<[html: string, options?: HtmlOptions]> {
    return shown(bundles.html, [html, options], typeof options === "object" ? options.id : undefined);
  },
  /** Show an SVG image. */
  svg(svg: string, options: DisplayOptions = {}): DisplayHandle<[svg: string]> {
    return shown(bundles.svg, [svg], options.id);
  },
  /** Show Markdown. */
  markdown(md: string, options: DisplayOptions = {}): DisplayHandle<[md: string]> {
    return shown(bundles.markdown, [md], options.id);
  },
  /** Show a JSON value as a collapsible tree. */
  json(value: unknown, options: DisplayOptions = {}): DisplayHandle<[value: unknown]> {
    return shown(bundles.json, [value], options.id);
  },
  /** Show a PNG image given as bytes. */
  png(bytes: Uint8Array, options: DisplayOptions = {}): DisplayHandle<[bytes: Uint8Array]> {
    return shown(bundles.png, [bytes], options.id);
  },
  /** Show plain text (same as console.log, but as display_data). */
  text(text: string, options: DisplayOptions = {}): DisplayHandle<[text: string]> {
    return shown(bundles.text, [text], options.id);
  },
};

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/\s+\n/g, "\n").trim();
}

/**
 * Render rows as an HTML table (and a plain-text one), and show it.
 *
 * The student reads it, so the header (the keys) is pt-BR and values are shown in pt-BR (`formatCell`):
 * `true`/`false` as `sim`/`não`; a fractional number in the Brazilian format (`1.234,57`, `0,0042`); an integer as it
 * is, ungrouped (`50000`, `4206649`), since a table cannot tell a count from a port, a PID, an IPC key or a year —
 * pass `formatNumber(n)` (a string, shown as is) to group a count; an array's items joined by `, `; `null`/`undefined`
 * empty.
 *
 * @param objects rows: objects (or interface-typed values) with the same keys; keys become the header
 * @param options.columns which keys to show, in order @default all keys of the first row
 * @param options.id the display's id (see {@link DisplayOptions})
 * @returns a handle: `update(rows)` redraws the table in place
 * @example
 * ```ts
 * table([{ pid: 1, nome: "init" }, { pid: 42, nome: "node" }]);
 * ```
 */
export function table(
  objects: readonly object[],
  options: DisplayOptions & { columns?: string[] } = {},
): DisplayHandle<[objects: readonly object[]]> {
  const { columns } = options;
  return shown((rows: readonly object[]) => tableBundle(rows, columns), [objects], options.id);
}

function tableBundle(objects: readonly object[], columns?: string[]): MimeBundle {
  const rows = objects as readonly Record<string, unknown>[];
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const cell = formatCell;
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(cell(r[c]))}</td>`).join("")}</tr>`)
    .join("");
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  const text = [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join("\n");
  return { "text/html": `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`, "text/plain": text };
}
