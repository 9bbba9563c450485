/**
 * Draw a `writeUTF` frame byte by byte as an HTML table: the 2-byte length,
 * then each character's bytes, with the character under them — and, for
 * comparison, standard UTF-8.
 *
 * @example
 * ```ts
 * import { showUTF } from "cdlab/lectures/04-sockets-tcp";
 * showUTF("a\u0000𝄞"); // C0 80 for U+0000, 6 bytes for 𝄞
 * ```
 */
import { display, escapeHtml } from "../../runtime/display";
import { encodeModifiedUtf8, writeUTF } from "../../net/java-utf";

const hex = (b: number) => b.toString(16).toUpperCase().padStart(2, "0");

function charLabel(unit: number): string {
  if (unit === 0) return "U+0000";
  if (unit >= 0xd800 && unit <= 0xdfff) return `U+${unit.toString(16).toUpperCase()} (surrogate)`;
  if (unit < 0x20) return `U+${unit.toString(16).toUpperCase().padStart(4, "0")}`;
  return `${String.fromCharCode(unit)} U+${unit.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The frame of `s` as HTML (one column per byte) plus a text version.
 *
 * @param s the string to frame
 * @returns `{ html, text }`
 * @example
 * ```ts
 * utfFrameHtml("a\u0000").text; // "writeUTF: 00 03 61 C0 80\nUTF-8:    61 00"
 * ```
 */
export function utfFrameHtml(s: string): { html: string; text: string } {
  const frame = writeUTF(s);
  const cells: string[] = [
    `<td colspan="2" style="background:#fde2b0">comprimento = ${frame.readUInt16BE(0)}<br><code>${hex(frame[0])} ${hex(frame[1])}</code></td>`,
  ];
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const bytes = encodeModifiedUtf8(s[i]);
    const color = unit === 0 ? "#f7c5c5" : unit >= 0xd800 && unit <= 0xdfff ? "#d5c5f7" : i % 2 ? "#d8ecd8" : "#c9e4f6";
    cells.push(
      `<td colspan="${bytes.length}" style="background:${color}">${escapeHtml(charLabel(unit))}<br><code>${[...bytes].map(hex).join(" ")}</code></td>`,
    );
  }
  const utf8 = [...Buffer.from(s, "utf8")].map(hex).join(" ");
  const html =
    `<table style="border-collapse:collapse;text-align:center;font-size:12px" border="1"><tr>${cells.join("")}</tr></table>` +
    `<p style="font-size:12px">writeUTF: <code>${[...frame].map(hex).join(" ")}</code> (${frame.length} bytes)<br>` +
    `UTF-8 padrão, para comparar: <code>${utf8 || "(vazio)"}</code> (${Buffer.byteLength(s, "utf8")} bytes)</p>`;
  const text = `writeUTF: ${[...frame].map(hex).join(" ")}\nUTF-8:    ${utf8}`;
  return { html, text };
}

/**
 * Show the `writeUTF` frame of `s` byte by byte in the notebook.
 *
 * @param s the string to frame (at most 65535 encoded bytes)
 * @example
 * ```ts
 * showUTF("olá");
 * ```
 */
export function showUTF(s: string): void {
  const { html, text } = utfFrameHtml(s);
  display.html(html, text);
}
