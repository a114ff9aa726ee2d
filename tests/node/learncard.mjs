// LearnCard as a holder, driven by tests/node/test_learncard.py: one JSON job per stdin line, one
// JSON answer per stdout line. The wallet is built the way @learncard/init's learnCardFromSeed
// builds it (core, crypto, didkit, did:key from a seed, vc, expiration, openid4vc), less the
// plugins that need LearnCard's cloud, Ethereum or a browser; didkit's WebAssembly is read from
// its package instead of LearnCard's CDN. Offline: only the test server (on https, its throw-away
// CA trusted through NODE_EXTRA_CA_CERTS) is reached.
import {randomBytes} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {errorText, offlineBut, serve} from './jobs.mjs';

// stdout carries the answers: the libraries' own logging goes to stderr.
console.log = console.info = console.warn = console.debug = console.error;
const ORIGIN = process.env.REGISTRY_ORIGIN; // https://localhost:PORT of the live test server
offlineBut(ORIGIN, {sameScheme: true});

const {generateLearnCard} = await import('@learncard/core');
const {CryptoPlugin} = await import('@learncard/crypto-plugin');
const {getDidKitPlugin} = await import('@learncard/didkit-plugin');
const {getDidKeyPlugin} = await import('@learncard/didkey-plugin');
const {getVCPlugin} = await import('@learncard/vc-plugin');
const {expirationPlugin} = await import('@learncard/expiration-plugin');
const {getOpenID4VCPlugin} = await import('@learncard/openid4vc-plugin');

const require = createRequire(import.meta.url);
const didkitWasm = await readFile(join(
  dirname(require.resolve('@learncard/didkit-plugin')), 'didkit_wasm_bg.wasm'));

// A new wallet: its own Ed25519 did:key from a random seed, as the app makes one per account.
async function wallet() {
  let lc = await generateLearnCard({});
  lc = await lc.addPlugin(CryptoPlugin);
  lc = await lc.addPlugin(await getDidKitPlugin(didkitWasm, false));
  lc = await lc.addPlugin(await getDidKeyPlugin(lc, randomBytes(32).toString('hex'), 'key'));
  lc = await lc.addPlugin(getVCPlugin(lc));
  lc = await lc.addPlugin(expirationPlugin(lc));
  return lc.addPlugin(getOpenID4VCPlugin(lc, {fetch: globalThis.fetch}));
}

const jobs = {
  // The app's "accept this offer": the offer URI from the QR code, every configuration it names.
  async accept({offer, txCode}) {
    const lc = await wallet();
    try {
      const accepted = await lc.invoke.acceptCredentialOffer(offer, txCode ? {txCode} : {});
      return {holder: lc.id.did(), credentials: accepted.credentials};
    } catch(e) {
      return {holder: lc.id.did(), error: errorText(e), body: e.body ?? null};
    }
  },

  // LearnCard's VC-API path, as its app takes an interaction without an `openid4vci` offer
  // (apps/learn-card-app: useClaimInputRouter.ts, ClaimFromRequest.tsx, ExchangeDidAuth.tsx; the
  // app is not published on npm, so its steps are followed here with the SDK): POST {} to the
  // exchange; from the answer's (VC-API 0.7, wrapped) verifiablePresentationRequest a DID
  // Authentication by the SDK's own getDidAuthVp (didkit: Ed25519Signature2020, VC 2.0 context),
  // POSTed as {verifiablePresentation}; the copy comes in the answer's presentation.
  async vcapi({exchange}) {
    const lc = await wallet();
    const post = async body => {
      const response = await fetch(exchange, {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
      });
      return {status: response.status, body: await response.json().catch(() => ({}))};
    };
    try {
      const started = await post({});
      const request = started.body.verifiablePresentationRequest;
      const didAuth = await lc.invoke.getDidAuthVp(
        {challenge: request.challenge, domain: request.domain});
      const answered = await post({verifiablePresentation: didAuth});
      return {holder: lc.id.did(), request, didAuth, ...answered};
    } catch(e) {
      return {holder: lc.id.did(), error: errorText(e)};
    }
  },

  // LearnCard's own verifier (didkit, with its status-list check), as the app shows a credential;
  // a new wallet each time, so that nothing it fetched before is reused.
  async verify({credential}) {
    const lc = await wallet();
    try {
      return await lc.invoke.verifyCredential(credential, {}, false);
    } catch(e) {
      return {error: errorText(e)};
    }
  }
};

await serve(jobs);
