// Draws the kernel logo (three connected nodes on a blue tile) as PNG files
// kernel/logo-32x32.png and kernel/logo-64x64.png. Run once: node scripts/make-logos.js
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 6;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
function segDist(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}
function logo(size) {
  const s = size / 64;
  const nodes = [[20, 20], [46, 26], [28, 46]].map(([x, y]) => [x * s, y * s]);
  return png(size, (x, y) => {
    const r = 12 * s, m = 2 * s;
    const cx = Math.min(Math.max(x, m + r), size - m - r), cy = Math.min(Math.max(y, m + r), size - m - r);
    if (Math.hypot(x - cx, y - cy) > r) return [0, 0, 0, 0];
    for (const n of nodes) if (Math.hypot(x - n[0], y - n[1]) < 7 * s) return [255, 193, 7, 255];
    for (let i = 0; i < 3; i++) if (segDist(x, y, nodes[i], nodes[(i + 1) % 3]) < 2 * s) return [255, 255, 255, 255];
    return [25, 118, 210, 255];
  });
}
for (const size of [32, 64]) fs.writeFileSync(path.join(__dirname, "..", "kernel", `logo-${size}x${size}.png`), logo(size));
