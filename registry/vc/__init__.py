"""The formats: JOSE (JWS, keys and JWKs), DIDs (did:web, did:key, did:jwk), W3C Data Integrity
(RDFC-1.0, eddsa-rdfc-2022), Bitstring Status Lists and the credential payload. Pure: no
database, no HTTP, nothing of the registry above them."""
