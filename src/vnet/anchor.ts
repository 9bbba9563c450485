/**
 * The anchor of a virtual network: one `unshare --mount --net` process (plus `--user --map-root-user` when
 * not root) that owns a private mount namespace with its own `/run/netns`. Every host namespace of the
 * network is created there with `ip netns add`, so its name is invisible to (and cannot collide with) the
 * machine and any other kernel, and when the anchor and the hosts' processes end, every namespace, veth,
 * bridge, nftables table and qdisc of the network ends with them — even after a crash. The anchor's own
 * network namespace is the network's "switch" (where a bridge lives when there is no router).
 *
 * Commands run inside with `nsenter -t <anchor> -m -n [-U] -- …`.
 *
 * @example
 * ```ts
 * const anchor = await startAnchor("exemplo");
 * await anchor.sh("ip netns add h1 && ip -n h1 link set lo up");
 * await anchor.close(); // h1 is gone
 * ```
 */
import { spawnSync } from "node:child_process";
import { CdlabError } from "../runtime/errors";
import { run, startChild, type ChildHandle, type ChildOptions, type RunResult } from "../proc/child";

/** How namespaces are created on this machine. */
export type VnetMode = "root" | "userns";

/** What this machine allows, as {@link vnetSupport} measured it. */
export interface VnetSupport {
  /** True when network namespaces can be created here. */
  available: boolean;
  /** "root" (running as root) or "userns" (an unprivileged user namespace); undefined when unavailable. */
  mode?: VnetMode;
  /** Why not, in one pt-BR line (when unavailable). */
  reason?: string;
  /** `nft` is installed (NAT and firewall need it). */
  nft: boolean;
  /** `conntrack` (conntrack-tools) is installed; otherwise /proc/net/nf_conntrack is read. */
  conntrack: boolean;
}

/** The script the anchor runs: a private /run/netns, the switch's loopback up, then wait on stdin. */
const ANCHOR_SCRIPT = [
  "set -e",
  "if [ -d /run/netns ]; then mount -t tmpfs -o mode=755 cdlab-vnet /run/netns;",
  "else mount -t tmpfs -o mode=755 cdlab-vnet /run && mkdir /run/netns; fi",
  "ip link set lo up",
  "echo ready",
  "exec cat >/dev/null",
].join("\n");

function hasCommand(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error;
}

let cached: VnetSupport | undefined;

/** The switch that turns virtual networks off (`CDLAB_VNET=0`), e.g. to run the notebooks' loopback fallback. */
export const VNET_SWITCH = "CDLAB_VNET";

/**
 * Measure (once per process) whether virtual networks can be made here: as root, or in an unprivileged
 * user namespace (`unshare --user --net`). With `CDLAB_VNET=0` (or `off`, `false`, `no`) in the environment
 * they are off, as on a machine that does not allow them.
 *
 * @returns availability, mode, the pt-BR reason when unavailable, and whether nft/conntrack exist
 * @example
 * ```ts
 * const s = vnetSupport();
 * if (!s.available) console.log(s.reason); // falls back to 127.0.0.1
 * ```
 */
export function vnetSupport(): VnetSupport {
  if (cached) return cached;
  const nft = hasCommand("nft", ["--version"]);
  const conntrack = hasCommand("conntrack", ["--version"]);
  const no = (reason: string): VnetSupport => (cached = { available: false, reason, nft, conntrack });
  const off = process.env[VNET_SWITCH];
  if (off !== undefined && /^(0|off|false|no)$/i.test(off.trim()))
    return no(`Rede virtual desligada (${VNET_SWITCH}=${off.trim()}); os exemplos usam 127.0.0.1`);
  if (process.platform !== "linux") return no("Redes virtuais precisam de Linux (namespaces de rede); os exemplos usam 127.0.0.1");
  if (!hasCommand("ip", ["-V"]) || !hasCommand("unshare", ["--version"]) || !hasCommand("nsenter", ["--version"]))
    return no("Redes virtuais precisam dos comandos ip, unshare e nsenter (iproute2, util-linux); os exemplos usam 127.0.0.1");
  const mode: VnetMode = process.getuid?.() === 0 ? "root" : "userns";
  const probe = spawnSync("unshare", [...modeFlags(mode), "--", "sh", "-c", ANCHOR_SCRIPT.replace("exec cat >/dev/null", "ip link add cdlab0 type veth peer name cdlab1")], {
    encoding: "utf8",
    timeout: 10000,
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || "").trim().split("\n").pop() ?? "";
    return no(`Este sistema não permite criar namespaces de rede (${why || "sem permissão"}); os exemplos usam 127.0.0.1`);
  }
  return (cached = { available: true, mode, nft, conntrack });
}

function modeFlags(mode: VnetMode): string[] {
  return mode === "root"
    ? ["--mount", "--net", "--propagation", "private"]
    : ["--user", "--map-root-user", "--mount", "--net", "--propagation", "private"];
}

/**
 * Throw `ERR_NO_NETNS` (one pt-BR line) when namespaces cannot be created here.
 * @returns the support, when available
 */
export function requireVnet(): VnetSupport & { mode: VnetMode } {
  const s = vnetSupport();
  if (!s.available || !s.mode) throw new CdlabError("ERR_NO_NETNS", s.reason ?? "Redes virtuais indisponíveis aqui; os exemplos usam 127.0.0.1");
  return s as VnetSupport & { mode: VnetMode };
}

/** A running anchor: run shell scripts and programs inside its namespaces. */
export interface Anchor {
  readonly pid: number;
  readonly mode: VnetMode;
  /** `nsenter` arguments that enter the anchor's mount (and user) namespace, and its network namespace when `net`. */
  enter(net?: boolean): string[];
  /**
   * Run a `sh -e` script in the anchor (switch) namespace; throws `ERR_VNET` with its stderr on failure, and
   * `ERR_VNET_CLOSED` once the anchor was closed or ended (as do `command` and `start`).
   */
  sh(script: string): Promise<RunResult>;
  /**
   * `nsenter` arguments that run `cmd` in host namespace `ns` (`ip netns exec`); with `setpriv --pdeathsig KILL`
   * where it exists, so the program dies with this process even when this process is killed with SIGKILL.
   */
  command(ns: string, cmd: string, args?: readonly string[]): string[];
  /** Start `cmd` in host namespace `ns`, as a registered child handle. */
  start(ns: string, cmd: string, options?: ChildOptions): Promise<ChildHandle>;
  /** End the anchor (and with it every namespace nothing else holds). */
  close(): Promise<void>;
}

/**
 * Start an anchor process.
 * @param label shown by `resources()`
 * @returns the anchor, ready
 * @throws CdlabError `ERR_NO_NETNS` when namespaces cannot be created here
 */
export async function startAnchor(label: string): Promise<Anchor> {
  const { mode } = requireVnet();
  const child = await startChild("unshare", { args: [...modeFlags(mode), "--", "sh", "-c", ANCHOR_SCRIPT], timeout: 0, label });
  let err = "";
  child.child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const ready = await new Promise<boolean>((resolve) => {
    let out = "";
    child.child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready")) resolve(true);
    });
    void child.result.then(() => resolve(false));
  });
  if (!ready) {
    await child.close();
    throw new CdlabError("ERR_NO_NETNS", `Não foi possível criar a rede virtual: ${err.trim().split("\n").pop() ?? "sem permissão"}`);
  }
  const pid = child.pid;
  const enter = (net = true) => ["-t", String(pid), "-m", ...(net ? ["-n"] : []), ...(mode === "userns" ? ["-U", "--preserve-credentials"] : [])];
  let over = false;
  void child.result.then(() => (over = true));
  const alive = () => {
    if (over) throw new CdlabError("ERR_VNET_CLOSED", "A rede virtual já foi fechada");
  };
  const pdeathsig = hasCommand("setpriv", ["--version"]) ? ["setpriv", "--pdeathsig", "KILL", "--"] : [];
  const command = (ns: string, cmd: string, args: readonly string[] = []) => {
    alive();
    return [...enter(false), "--", "ip", "netns", "exec", ns, ...pdeathsig, cmd, ...args];
  };
  return {
    pid,
    mode,
    enter,
    async sh(script: string) {
      alive();
      const r = await run("nsenter", [...enter(), "--", "sh", "-ec", script], { timeout: 30000 });
      if (r.exitCode !== 0)
        throw new CdlabError("ERR_VNET", `Falha ao configurar a rede virtual: ${r.stderr.trim().split("\n").pop() || `código ${r.exitCode}`}`);
      return r;
    },
    command,
    async start(ns: string, cmd: string, options: ChildOptions = {}) {
      return startChild("nsenter", { label: `${[cmd, ...(options.args ?? [])].join(" ")} em ${ns}`, ...options, args: command(ns, cmd, options.args) });
    },
    close: () => {
      over = true;
      child.child.stdin?.end();
      return child.close();
    },
  };
}
