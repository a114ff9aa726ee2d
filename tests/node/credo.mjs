// Credo 0.6.3 as a holder, driven by tests/node/test_credo.py: one JSON job per stdin line, one
// JSON answer per stdout line. The agent is Credo's own (@credo-ts/core and @credo-ts/openid4vc
// 0.6.3), as a Credo-based wallet builds it, with its keys and records in memory
// (tests/node/credo-wallet.mjs) instead of Askar. Offline: only the test server (on https, its
// throw-away CA trusted through NODE_EXTRA_CA_CERTS) is reached.
import {errorText, offlineBut, serve} from './jobs.mjs';

// stdout carries the answers: the libraries' own logging goes to stderr.
console.log = console.info = console.warn = console.debug = console.error;
const ORIGIN = process.env.REGISTRY_ORIGIN; // https://localhost:PORT of the live test server
offlineBut(ORIGIN);

await import('reflect-metadata');
const {
  Agent, ConsoleLogger, DidJwk, DidKey, InjectionSymbols, Kms, LogLevel, W3cJsonLdVerifiableCredential,
  W3cJwtVerifiableCredential
} = await import('@credo-ts/core');
const {OpenId4VcModule} = await import('@credo-ts/openid4vc');
const {InMemoryStorageService, NodeCryptoKms, agentDependencies} = await import(
  './credo-wallet.mjs');

// The storage a Credo agent must be given (Askar's, Drizzle's or one's own).
class InMemoryStorageModule {
  register(dependencyManager) {
    dependencyManager.registerInstance(
      InjectionSymbols.StorageService, new InMemoryStorageService());
  }
}

async function agent() {
  const credo = new Agent({
    config: {logger: new ConsoleLogger(process.env.CREDO_LOG ? LogLevel.debug : LogLevel.off)},
    dependencies: agentDependencies,
    modules: {
      storage: new InMemoryStorageModule(),
      kms: new Kms.KeyManagementModule({backends: [new NodeCryptoKms()]}),
      openid4vc: new OpenId4VcModule()
    }
  });
  await credo.initialize();
  return credo;
}

// The wallet's key for the credential, as Credo's demo holder (demo-openid/src/Holder.ts) binds
// one: a new key for the first algorithm Credo found the issuer to take (else EdDSA, or the one
// the test names), named by did:key (else did:jwk).
function bindingResolver(credo, holders, algorithm) {
  return async ({supportedDidMethods, supportsAllDidMethods, proofTypes}) => {
    const chosen = algorithm ?? proofTypes.jwt?.supportedSignatureAlgorithms[0] ?? 'EdDSA';
    const key = await credo.kms.createKeyForSignatureAlgorithm({algorithm: chosen});
    const publicJwk = Kms.PublicJwk.fromPublicJwk(key.publicJwk);
    if(supportsAllDidMethods || supportedDidMethods?.includes('did:key')) {
      await credo.dids.create({method: 'key', options: {keyId: key.keyId}});
      const didKey = new DidKey(publicJwk);
      holders.push(didKey.did);
      return {method: 'did', didUrls: [`${didKey.did}#${didKey.publicJwk.fingerprint}`]};
    }
    const didJwk = DidJwk.fromPublicJwk(publicJwk);
    await credo.dids.create({method: 'jwk', options: {keyId: key.keyId}});
    holders.push(didJwk.did);
    return {method: 'did', didUrls: [`${didJwk.did}#0`]};
  };
}

function encoded(record) {
  const credential = record.firstCredential;
  return credential instanceof W3cJwtVerifiableCredential ?
    credential.serializedJwt : credential.toJson();
}

// What Credo's own verifier says of a received copy, with or without its status check.
async function credoVerify(credo, credential, status) {
  const parsed = typeof credential === 'string' ?
    W3cJwtVerifiableCredential.fromSerializedJwt(credential) :
    W3cJsonLdVerifiableCredential.fromJson(credential);
  const result = await credo.w3cCredentials.verifyCredential(
    {credential: parsed, verifyCredentialStatus: status});
  return {
    isValid: result.isValid,
    error: errorText(result.error),
    validations: Object.fromEntries(Object.entries(result.validations ?? {}).map(
      ([name, v]) => [name, {isValid: v.isValid, error: errorText(v.error)}]))
  };
}

const jobs = {
  // The wallet's "accept this offer": the offer URI from the QR code, and the configurations the
  // officer chose (all offered ones unless named; with `first`, the first offered, as Paradym's
  // wallet SDK asks); Credo verifies each copy as it receives it.
  async accept({offer, txCode, configurations, first, algorithm}) {
    const credo = await agent();
    const holders = [];
    const steps = {};
    try {
      const holder = credo.openid4vc.holder;
      const resolved = await holder.resolveCredentialOffer(offer);
      steps.issuer = resolved.metadata.credentialIssuer.credential_issuer;
      steps.version = resolved.metadata.originalDraftVersion;
      steps.offered = Object.keys(resolved.offeredCredentialConfigurations);
      steps.txCode = resolved.credentialOfferPayload.grants?.[
        'urn:ietf:params:oauth:grant-type:pre-authorized_code']?.tx_code ?? null;
      const token = await holder.requestToken(
        {resolvedCredentialOffer: resolved, ...(txCode ? {txCode} : {})});
      steps.token = true;
      const received = await holder.requestCredentials({
        resolvedCredentialOffer: resolved,
        credentialConfigurationIds: first ? steps.offered.slice(0, 1) : configurations,
        credentialBindingResolver: bindingResolver(credo, holders, algorithm),
        ...token
      });
      const credentials = received.credentials.map(c => ({
        configuration: c.credentialConfigurationId,
        format: c.credentialConfiguration.format,
        credential: encoded(c.record)
      }));
      return {holders, steps, credentials};
    } catch(e) {
      return {holders, steps, error: errorText(e), body: e.response?.body ?? e.body ?? null};
    } finally {
      await credo.shutdown();
    }
  },

  async verify({credential, status = true}) {
    const credo = await agent();
    try {
      return await credoVerify(credo, credential, status);
    } catch(e) {
      return {error: errorText(e)};
    } finally {
      await credo.shutdown();
    }
  }
};

await serve(jobs);
