// The peer for the verify API (scripts/bench): a minimal Node verifier, node:http and jose, the
// key in memory. POST {"token": "..."} answers {"verdict": "valid"} when the compact JWS verifies
// under the key with typ vc+jwt and EdDSA, else {"verdict": "invalid"}. It checks the signature,
// the header and the time claims, and nothing of what the registry also checks (status, issuer,
// course, protection): the bare cost of a JWS verification over HTTP in Node.
// Usage: NODE_PATH=tests/node/node_modules node scripts/bench_peer_jose.mjs PORT JWK_JSON
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.resolve("tests/node/package.json"));
const { importJWK, jwtVerify } = await import(require.resolve("jose"));
const [port, jwk] = process.argv.slice(2);
const key = await importJWK(JSON.parse(jwk), "EdDSA");

http
  .createServer(async (req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let verdict = "invalid";
    try {
      const { token } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      await jwtVerify(token, key, { algorithms: ["EdDSA"], typ: "vc+jwt" });
      verdict = "valid";
    } catch {
      verdict = "invalid";
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ verdict }));
  })
  .listen(Number(port), "127.0.0.1");
