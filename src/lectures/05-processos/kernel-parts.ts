/**
 * The parts of the kernel the lecture lists, each seen live through one of
 * its /proc files on this machine.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { kernelParts } from "./kernel-parts";
 * table(kernelParts());
 * ```
 */
import fs from "node:fs";

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** One part of the kernel and what it shows right now. */
export type KernelPart = {
  parte: string;
  papel: string;
  /** Where it was read. */
  fonte: string;
  /** What it shows on this machine now. */
  agora: string;
};

/**
 * Drivers, file systems, process management, memory management and network
 * transport, each with a live figure read from /proc.
 *
 * @returns one row per part, in the lecture's order
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { kernelParts } from "./kernel-parts";
 * table(kernelParts());
 * ```
 */
export function kernelParts(): KernelPart[] {
  const devices = read("/proc/devices").split("\n").filter((l) => /^\s*\d+ /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  const fsTypes = read("/proc/filesystems").split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/).pop()!);
  const [, , , running] = read("/proc/loadavg").split(" ");
  const mem = Object.fromEntries(read("/proc/meminfo").split("\n").map((l) => l.split(/:\s+/)).filter((kv) => kv.length === 2));
  const ifaces = read("/proc/net/dev").split("\n").slice(2).filter(Boolean).map((l) => l.trim().split(":")[0]);
  const mib = (kb: string | undefined) => `${Math.round(parseInt(kb ?? "0") / 1024)} MiB`;
  return [
    { parte: "Drivers", papel: "acesso direto ao hardware", fonte: "/proc/devices", agora: `${devices.length} drivers de dispositivo: ${devices.slice(0, 6).join(", ")}…` },
    { parte: "Sistema de arquivos", papel: "interface para acessar e armazenar dados", fonte: "/proc/filesystems", agora: `${fsTypes.length} tipos: ${fsTypes.slice(0, 6).join(", ")}…` },
    { parte: "Gerenciamento de processos", papel: "escalona e reparte o tempo entre processos", fonte: "/proc/loadavg", agora: `${running} processos/threads (rodando/total)` },
    { parte: "Gerenciamento de memória", papel: "reparte a memória física entre processos", fonte: "/proc/meminfo", agora: `${mib(mem.MemTotal)} no total, ${mib(mem.MemAvailable)} disponíveis` },
    { parte: "Transporte de rede", papel: "comunicação máquina-máquina e processo-processo", fonte: "/proc/net/dev", agora: `interfaces: ${ifaces.join(", ")}` },
  ];
}
