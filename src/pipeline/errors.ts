// OpenAI-shaped errors: {"error":{"message","type","code"}}. Messages never quote the request's text.

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly code: string | number | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export function errorBody(message: string, type: string, code: string | number | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

export const badRequest = (message: string, code = 'invalid_request', param: string | null = null) =>
  new GatewayError(400, message, 'invalid_request_error', code, param);
