// Resolves the DID named on the command line with the DIF's did-resolver and web-did-resolver
// (did:web over https, as any outside verifier does) and prints the resolution result as JSON.
// The test hands the TLS proxy's CA in NODE_EXTRA_CA_CERTS.
import { Resolver } from "did-resolver";
import { getResolver } from "web-did-resolver";

const resolver = new Resolver(getResolver());
const result = await resolver.resolve(process.argv[2]);
process.stdout.write(JSON.stringify(result));
