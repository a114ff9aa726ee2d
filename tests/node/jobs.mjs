// What every script of tests/node shares: one JSON job per stdin line, one JSON answer per
// stdout line, and errors in words (with what the libraries attach to them).
import {createInterface} from 'node:readline';

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
