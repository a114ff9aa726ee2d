// What every script of tests/node shares: one JSON job per stdin line, one JSON answer per
// stdout line, and errors in words (with what the libraries attach to them).
import {createInterface} from 'node:readline';

// No network but the test server: every other fetch is refused, so a library that reaches out
// (a context, a DID, a CDN) fails the test instead of passing by luck. `sameScheme` sends a
// request for the server's host over the server's own scheme (didkit resolves a did:web on
// `localhost` over http, a convenience for developers that no production host meets).
export function offlineBut(origin, {sameScheme = false} = {}) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const server = origin && new URL(origin);
    if(!server || url.host !== server.host) {
      throw new Error(`offline: refused to fetch ${url.href}`);
    }
    if(sameScheme && url.protocol !== server.protocol) {
      url.protocol = server.protocol;
      return realFetch(typeof input === 'string' || input instanceof URL ?
        url.href : new Request(url.href, input), init);
    }
    return realFetch(input, init);
  };
}

export function errorText(error) {
  if(!error) {
    return null;
  }
  const parts = [error.name, error.message, error.details && JSON.stringify(error.details)];
  if(error.response?.status) {
    parts.push(`HTTP ${error.response.status}`);
  }
  if(error.responseText) {
    parts.push(error.responseText);
  }
  if(error.errors) {
    parts.push(...error.errors.map(errorText));
  }
  if(error.cause) {
    parts.push(errorText(error.cause));
  }
  return parts.filter(Boolean).join(': ');
}

// Answers each job `{kind, ...}` with `{result}` from `jobs[kind]`, or `{crash}` if it threw.
export async function serve(jobs) {
  const lines = createInterface({input: process.stdin});
  for await (const line of lines) {
    let answer;
    try {
      const job = JSON.parse(line);
      answer = {result: await jobs[job.kind](job)};
    } catch(e) {
      answer = {crash: errorText(e) ?? String(e)};
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
}
