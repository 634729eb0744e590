import { httpFailure } from "./http-failure";

/** HTTP_ERROR for a response outside 2xx; `retryable` marks statuses a later call may get past. */
export function httpStatusError(
  response: { readonly status: number; readonly statusText: string },
  origin: string,
) {
  const { status, statusText } = response;
  return httpFailure("HTTP_ERROR", `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${origin}`, {
    retryable: status === 408 || status === 425 || status === 429 || status >= 500,
    context: { status },
  });
}
