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

/** A MIME bundle: MIME type → data (strings; PNG as base64). */
export type MimeBundle = Record<string, string | object>;

/** What the kernel installs to receive display calls. */
export type DisplaySink = (bundle: MimeBundle, options?: { id?: string; update?: boolean }) => void;

const SINK = Symbol.for("cdlab.display.sink");

function sink(): DisplaySink | undefined {
  return (globalThis as Record<symbol, DisplaySink | undefined>)[SINK];
}

/** Kernel hook: install the function that publishes display_data. */
export function setDisplaySink(fn: DisplaySink | undefined): void {
  (globalThis as Record<symbol, DisplaySink | undefined>)[SINK] = fn;
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

/** Functions that show rich output in the notebook. */
export const display = {
  /** Show raw MIME data (several representations of one thing). */
  raw(bundle: MimeBundle, options?: { id?: string; update?: boolean }): void {
    show(bundle, options);
  },
  /** Show HTML. @param text plain-text fallback */
  html(html: string, text = stripTags(html)): void {
    show({ "text/html": html, "text/plain": text });
  },
  /** Show an SVG image. */
  svg(svg: string): void {
    show({ "image/svg+xml": svg, "text/plain": "[SVG image]" });
  },
  /** Show Markdown. */
  markdown(md: string): void {
    show({ "text/markdown": md, "text/plain": md });
  },
  /** Show a JSON value as a collapsible tree. */
  json(value: unknown): void {
    show({ "application/json": value as object, "text/plain": JSON.stringify(value, null, 2) });
  },
  /** Show a PNG image given as bytes. */
  png(bytes: Uint8Array): void {
    show({ "image/png": Buffer.from(bytes).toString("base64"), "text/plain": "[PNG image]" });
  },
  /** Show plain text (same as console.log, but as display_data). */
  text(text: string): void {
    show({ "text/plain": text });
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
 * @param objects rows: objects (or interface-typed values) with the same keys; keys become the header
 * @param options.columns which keys to show, in order @default all keys of the first row
 * @example
 * ```ts
 * table([{ pid: 1, nome: "init" }, { pid: 42, nome: "node" }]);
 * ```
 */
export function table(objects: readonly object[], options: { columns?: string[] } = {}): void {
  const rows = objects as readonly Record<string, unknown>[];
  const cols = options.columns ?? Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(cell(r[c]))}</td>`).join("")}</tr>`)
    .join("");
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  const text = [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join("\n");
  show({ "text/html": `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`, "text/plain": text });
}
