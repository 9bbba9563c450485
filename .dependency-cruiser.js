/**
 * cdlab's architecture, as rules that `npm test` checks (test/architecture.test.ts runs dependency-cruiser
 * with this file). Read it as the map of the code:
 *
 *   src/runtime      registry, handles, abort, errors, display, charts, package root: what everything shares
 *   src/proc         processes (mechanism)                       imports runtime
 *   src/ipc          pipes, FIFOs, queues, shared memory         imports runtime, proc
 *   src/net          sockets, framing, relays (mechanism)        imports runtime, proc
 *   src/vnet         virtual hosts: network namespaces, links     imports runtime, proc, net
 *   src/jupyter      wire format, messages, kernel client        imports runtime, proc
 *   src/lectures/NN  one folder per notebook: its demos          imports runtime and mechanisms, never another lecture
 *   src/grader       autograder                                  imports runtime, proc, jupyter
 *   src/grader/probes/ipc  the IPC probes' job                    also imports ipc
 *   src/cli          the `cdlab` command                         imports anything in src
 *   src/index.ts     the small root every notebook imports
 *   kernel/          the Jupyter kernel on tslab                 imports src (runtime, jupyter, proc)
 *   bench/           `npm run bench`                             imports anything; nothing imports it
 *
 * Nothing imports upward, nothing is circular, and the library (src/) never imports kernel/ or bench/.
 */
const MECHANISMS = ["proc", "ipc", "net", "vnet"];
const layer = (name, allowed) => ({
  name: `${name}-layer`,
  comment: `src/${name} may import only ${allowed.length ? allowed.map((a) => "src/" + a).join(", ") : "itself"} (and Node or npm packages)`,
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^src/", pathNot: `^src/(${[name, ...allowed].join("|")})/` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "a cycle hides which module is the lower layer",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    layer("runtime", []),
    layer("proc", ["runtime"]),
    layer("ipc", ["runtime", "proc"]),
    layer("net", ["runtime", "proc"]),
    layer("vnet", ["runtime", "proc", "net"]),
    layer("jupyter", ["runtime", "proc"]),
    { ...layer("grader", ["runtime", "proc", "jupyter"]), from: { path: "^src/grader/", pathNot: "^src/grader/probes/ipc/" } },
    // the IPC probes' job runs outside the kernel and measures it with the mechanism itself
    layer("grader/probes/ipc", ["grader", "runtime", "proc", "ipc"]),
    {
      name: "lectures-import-runtime-and-mechanisms",
      comment: "a lecture's demos import the runtime and the mechanisms, never the grader, the CLI or the root",
      severity: "error",
      from: { path: "^src/lectures/" },
      to: { path: "^src/", pathNot: `^src/(runtime|${MECHANISMS.join("|")}|lectures)/` },
    },
    {
      name: "lectures-independent",
      comment: "a lecture never imports another lecture",
      severity: "error",
      from: { path: "^src/lectures/([^/]+)/" },
      to: { path: "^src/lectures/", pathNot: "^src/lectures/$1/" },
    },
    {
      name: "library-not-kernel-or-bench",
      comment: "the library (src/) never imports the kernel or the benchmarks",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(kernel|bench)/" },
    },
    {
      name: "kernel-not-bench",
      comment: "the kernel never imports the benchmarks",
      severity: "error",
      from: { path: "^kernel/" },
      to: { path: "^bench/" },
    },
    {
      name: "kernel-not-lectures-or-grader",
      comment: "the kernel runs any notebook: it knows the runtime, the Jupyter protocol and processes, not a lecture",
      severity: "error",
      from: { path: "^kernel/" },
      to: { path: "^src/(lectures|grader|cli|net|ipc)/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["require", "default", "types"], extensions: [".ts", ".js", ".d.ts", ".json"] },
  },
};
