// The plugin kinds a host passes to `kernel.instantiatePlugin({itemId, kind})`. They are defined once in
// @kiwi/spec, next to each contract, where plugins and their tests import them too (a plugin never imports
// the kernel); the kernel re-exports them for hosts that already import it.
export { HARNESS_KIND, PROVIDER_KIND, SINK_KIND } from "@kiwi/spec";
