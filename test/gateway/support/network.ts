import type { FetchFunction } from '../../../gateway/src/cloud/gateway-cloud.js';

/** One request a gateway sent, as it left the process: method, URL, headers and body bytes. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
}

/**
 * The gateways' network, under the test's control. `fetch` goes to the real loopback server, except
 * while `offline` is set: then each request is sent to a loopback port with no server, so it
 * fails with the same connection error a real outage gives. Every request that leaves while online
 * is captured in `sent` when `capture` is on; `onResponse` hooks let a test act at a precise step.
 */
export class TestNetwork {
  offline = false;
  capture = false;
  readonly sent: CapturedRequest[] = [];
  private readonly hooks: ((request: Request, response: Response) => Promise<void> | void)[] = [];

  constructor(private readonly deadOrigin: string) {}

  readonly fetch: FetchFunction = async (request) => {
    if (this.offline) {
      // A bodiless GET to the dead port: the request fails to connect, and nothing of it is sent.
      await globalThis.fetch(`${this.deadOrigin}/unreachable`);
      throw new Error(`request to the closed port ${this.deadOrigin} unexpectedly succeeded`);
    }

    if (this.capture) {
      const copy = request.clone();
      this.sent.push({
        method: request.method,
        url: request.url,
        headers: [...request.headers.entries()],
        body: new Uint8Array(await copy.arrayBuffer()),
      });
    }

    const response = await globalThis.fetch(request);
    for (const hook of [...this.hooks]) {
      await hook(request, response);
    }
    return response;
  };

  /** Runs `hook` after every response until the returned function is called. */
  onResponse(hook: (request: Request, response: Response) => Promise<void> | void): () => void {
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }
}

/** Returns whether a request is a given API operation, by method and path pattern. */
export function isOperation(request: Request, method: string, pathPattern: RegExp): boolean {
  return request.method === method && pathPattern.test(new URL(request.url).pathname);
}
