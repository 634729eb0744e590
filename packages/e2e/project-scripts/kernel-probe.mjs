// Copied into the scratch project and run there with plain `node`, as a user's script would be: it
// imports the installed @kiwi/kernel (never the workspace's) and prints one JSON object on stdout.
//   node kernel-probe.mjs <projectRoot> <userSpace>
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";

const [projectRoot, userSpace] = process.argv.slice(2);
const kernel = await createKernel({ projectRoot, userSpace });

const greetSearch = await kernel.search({ item_type: "tool", query: "greet", limit: 5 });
const greetRun = await kernel.execute({
  item_type: "tool",
  action: "run",
  item_id: "greet",
  parameters: { who: "Ada" },
});
const websocketSearch = await kernel.search({ item_type: "tool", query: "websocket", limit: 5 });
const hit = websocketSearch.success
  ? websocketSearch.results.find((h) => h.id === "websocket_sink")
  : undefined;
const websocketLoad = hit ? await kernel.load({ item_type: "tool", item_id: "websocket_sink" }) : undefined;

console.log(
  JSON.stringify({
    kernelEntry: fileURLToPath(import.meta.resolve("@kiwi/kernel")),
    spaces: kernel.spaces.map((s) => ({ name: s.name, kind: s.kind, root: s.root })),
    pluginProblems: kernel.pluginProblems,
    greetSearch,
    greetRun,
    websocketSearch,
    websocketLoad: websocketLoad && {
      success: websocketLoad.success,
      error: websocketLoad.success ? undefined : websocketLoad.error,
      space: websocketLoad.space,
      tool_type: websocketLoad.data?.tool_type,
      module: websocketLoad.data?.module,
      signer: websocketLoad.signature?.signer,
    },
  }),
);
