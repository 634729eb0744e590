// Public API of @kiwi/sink-websocket, listed by name on purpose (no `export *`): what is not here is internal.

export type { WebSocketSink, WebSocketSinkState } from "./websocket-sink";
export { createWebSocketSink } from "./websocket-sink";
export type { ResolvedWebSocketSinkSettings, WebSocketSinkSettings } from "./websocket-sink-settings";
export { webSocketSinkSettingsSchema } from "./websocket-sink-settings";
