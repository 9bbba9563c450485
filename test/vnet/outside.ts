/** What the machine shows outside a virtual network, for "nothing left behind" checks. */
import { execFileSync } from "node:child_process";

/** The machine's namespaces (`ip netns`), links (`ip -o link`) and nftables ruleset, as one text. */
export function outside(): string {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      return "";
    }
  };
  return [sh("ip", ["netns"]), sh("ip", ["-o", "link"]).replace(/\\.*$/gm, ""), sh("nft", ["list", "ruleset"])].join("\n--\n");
}
