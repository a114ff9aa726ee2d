"""The Data Integrity form: the W3C test vectors, and the form made on first request, kept,
served to the public and the wallet, and its status lists beside the JWS ones."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from registry.credentials.service import Issuer
from registry.db import unit_of_work
from registry.tables.credentials import CredentialDocument
from registry.vc import dataintegrity as di
from registry.vc.did import base58btc_decode, did_web
from registry.vc.keys import KeySet, PublicKey
from registry.vc.payload import OB_CONTEXT, VC_CONTEXT
from registry.verification.dataintegrity import _root_cause, verify_document
from tests import ob3
from tests.conftest import PUBLIC_URL, Api, Region, assert_problem

VECTORS = Path(__file__).parent / "vectors" / "eddsa-rdfc-2022"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
DID = did_web(PUBLIC_URL)


def vector(name: str) -> Any:
    text = (VECTORS / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def with_examples(url: str, options: Any = None) -> dict[str, Any]:
    if url == EXAMPLES_CONTEXT:
        document = vector("credentials-examples-v2.jsonld")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": document}  # fmt: skip
    return di.document_loader(url, options)


def canon(document: Any) -> str:
    return di.canonize(document, with_examples)


def test_canonical_forms_and_hash_match_the_w3c_eddsa_rdfc_2022_vectors() -> None:
    unsigned = vector("unsigned.json")
    config = vector("proofConfigDataInt.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    assert canon(unsigned) == vector("canonDocDataInt.txt")
    assert canon(config) == vector("proofCanonDataInt.txt")
    combined = di.hash_data(unsigned, options, canon)
    assert combined.hex() == vector("combinedHashDataInt.txt").strip()


def test_the_vector_key_signs_the_vectors_proof_value() -> None:
    secret = base58btc_decode(vector("keyPair.json")["privateKeyMultibase"][1:])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(secret[2:])
    config = vector("proofConfigDataInt.json")
    options = {k: v for k, v in config.items() if k != "@context"}
    signature = key.sign(di.hash_data(vector("unsigned.json"), options, canon))
    assert di.proof_value(signature) == vector("sigBTC58DataInt.txt").strip()
    assert vector("signedDataInt.json")["proof"]["proofValue"] == di.proof_value(signature)


def test_a_context_that_is_not_vendored_is_refused_never_fetched() -> None:
    with pytest.raises(di.ContextRefused):
        di.document_loader("https://www.w3.org/ns/credentials/examples/v2")
    document = {**vector("unsigned.json")}
    with pytest.raises(Exception) as caught:
        di.canonize(document)
    assert isinstance(_root_cause(caught.value), di.ContextRefused)


def test_our_verifier_accepts_the_vector_only_with_its_own_key() -> None:
    public = base58btc_decode(vector("keyPair.json")["publicKeyMultibase"][1:])[2:]
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": di_b64u(public)}
    keys = KeySet.from_jwks({"keys": [{**jwk, "kid": "vector"}]})
    signed = vector("signedDataInt.json")
    # The vector names an examples context we never accept: the profile check refuses it first.
    verdict = verify_document(signed, keys, None, datetime.now(UTC), issuer=None)
    assert verdict.verdict == "invalid"
    assert "@context" in verdict.checks[-1].detail


def di_b64u(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- the form of our credentials


def credential_json(client: Api, credential_id: str) -> dict[str, Any]:
    r = client.get(f"/c/{credential_id}/credential.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vc")
    answer: dict[str, Any] = r.json()
    return answer


def stored_documents(engine: sa.Engine, credential_id: str) -> list[CredentialDocument]:
    with unit_of_work(engine, read_only=True) as session:
        found = select(CredentialDocument).where(CredentialDocument.credential_id == credential_id)
        return list(session.exec(found).all())


def test_certify_makes_no_document_and_the_first_request_makes_and_keeps_one(
    region: Region, course: dict[str, Any], anonymous: Api, engine: sa.Engine
) -> None:
    issued = region.certified(course)
    assert stored_documents(engine, issued["credential_id"]) == []
    first = credential_json(anonymous, issued["credential_id"])
    assert len(stored_documents(engine, issued["credential_id"])) == 1
    assert credential_json(anonymous, issued["credential_id"]) == first

    assert first["issuer"]["id"] == DID
    assert first["issuer"]["url"] == PUBLIC_URL
    assert first["@context"] == [VC_CONTEXT, OB_CONTEXT]
    for claim in di.JWT_CLAIMS:
        assert claim not in first
    assert isinstance(first["proof"], list) and len(first["proof"]) == 1  # OB 3.0: an array
    assert ob3.errors(first) == []  # the whole document, proof included, as OB 3.0 wants it
    proof = first["proof"][0]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith(f"{DID}#")
    assert proof["proofValue"].startswith("z")
    # The same content as the JWS payload.
    jws = jwt_payload(issued["token"])
    for member in ("id", "type", "validFrom", "validUntil", "name", "credentialSubject",
                   "credentialStatus"):  # fmt: skip
        assert first[member] == jws[member], member


def jwt_payload(token: str) -> dict[str, Any]:
    import base64

    body = token.split(".")[1]
    answer: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return answer


def test_two_first_requests_at_once_keep_one_document(
    region: Region, course: dict[str, Any], settings: Any, engine: sa.Engine
) -> None:
    from registry.credentials.documents import public_document
    from registry.vc.keystore import KeyStore

    issued = region.certified(course)
    issuer = Issuer(settings.public_url, settings.issuer_name, KeyStore(settings.keys_dir))
    answers: list[str] = []
    barrier = threading.Barrier(2)

    def ask() -> None:
        barrier.wait()
        answers.append(public_document(engine, issuer, issued["credential_id"]))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 2 and answers[0] == answers[1]
    assert len(stored_documents(engine, issued["credential_id"])) == 1


def test_a_protected_holder_gets_the_unknown_ids_404_publicly_and_the_form_by_wallet(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    issued = region.certified(course, protected=True)
    r = anonymous.get(f"/c/{issued['credential_id']}/credential.json")
    body = assert_problem(r, 404, field="credential_id", rule="exists")
    unknown = assert_problem(anonymous.get("/c/0000000000000000000000000/credential.json"), 404)
    assert {k: v for k, v in body.items() if k != "instance"} == {
        k: v for k, v in unknown.items() if k != "instance"
    }
    wallet = issued["wallet_url"].removeprefix(PUBLIC_URL)
    r = anonymous.get(f"{wallet}/c/{issued['credential_id'].lower()}/credential.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vc")
    assert r.headers["cache-control"] == "no-store"
    assert "name" not in r.json()["credentialSubject"]
    page = anonymous.get(wallet)
    assert f"{wallet}/c/{issued['credential_id']}/credential.json" in page.text
    assert "Download for a wallet app" in page.text


def test_the_wallet_link_serves_only_its_own_holders_credentials(
    region: Region, course: dict[str, Any], anonymous: Api
) -> None:
    mine = region.certified(course)
    theirs = region.certified(course)
    wallet = mine["wallet_url"].removeprefix(PUBLIC_URL)
    r = anonymous.get(f"{wallet}/c/{theirs['credential_id']}/credential.json")
    assert_problem(r, 404, field="credential_id")
    r = anonymous.get(f"/wallet/not-a-key/c/{mine['credential_id']}/credential.json")
    assert_problem(r, 404)


def test_status_lists_negotiate_the_form_and_show_a_revocation_in_both_at_once(
    region: Region, course: dict[str, Any], anonymous: Api, app: Any
) -> None:
    issued = region.certified(course)
    document = credential_json(anonymous, issued["credential_id"])
    entry = document["credentialStatus"]
    path = entry["statusListCredential"].removeprefix(PUBLIC_URL)
    index = int(entry["statusListIndex"])

    jws = anonymous.get(path)
    assert jws.headers["content-type"].startswith("application/vc+jwt")
    assert anonymous.get(path, headers={"Accept": "application/vc+jwt"}).text == jws.text
    dcc = anonymous.get(path, headers={"Accept": "application/ld+json, application/json"})
    assert dcc.headers["content-type"].startswith("application/vc")
    assert dcc.headers["vary"] == "Accept" and jws.headers["vary"] == "Accept"
    assert dcc.headers["etag"] != jws.headers["etag"]
    r = anonymous.get(
        path, headers={"Accept": "application/json", "If-None-Match": dcc.headers["etag"]}
    )
    assert r.status_code == 304
    listed = dcc.json()
    assert listed["issuer"] == {"id": DID, "name": listed["issuer"]["name"]}
    assert di.proof_of(listed)["cryptosuite"] == "eddsa-rdfc-2022"

    assert not bit(listed, index) and not jws_bit(jws.text, index)
    r = region.coordinator.post(
        f"/api/v1/credentials/{issued['credential_id']}/revoke", {"reason": "Test"}
    )
    assert r.status_code == 200, r.text
    after_di = anonymous.get(path, headers={"Accept": "application/ld+json"}).json()
    after_jws = anonymous.get(path).text
    assert bit(after_di, index) and jws_bit(after_jws, index)

    keys = app.state.resources.issuer.keys.trusted()
    verdict = verify_document(
        after_di, keys, None, datetime.now(UTC), issuer=PUBLIC_URL, check_status=False
    )
    # A status list is not a certification, but its proof is good.
    assert [c.name for c in verdict.checks if c.ok][:4] == ["size", "shape", "proof", "signature"]


def bit(document: dict[str, Any], index: int) -> bool:
    from registry.vc import statuslist

    encoded = document["credentialSubject"]["encodedList"]
    return statuslist.get_bit(statuslist.decode(encoded), index)


def jws_bit(token: str, index: int) -> bool:
    return bit(jwt_payload(token), index)


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        ("", "jws"),
        ("*/*", "jws"),
        ("application/vc+jwt", "jws"),
        ("application/ld+json, application/json", "di"),
        ("application/json", "di"),
        ("application/vc", "di"),
        ("application/vc+jwt, application/ld+json", "jws"),
        ("application/ld+json;q=0.5, application/vc+jwt", "jws"),
        ("application/ld+json, application/vc+jwt;q=0.4", "di"),
        ("application/ld+json;q=0", "jws"),
        ("application/ld+json;q=nonsense", "jws"),
        ("text/html", "jws"),
    ],
)
def test_the_accept_header_picks_the_status_list_form(accept: str, form: str) -> None:
    from registry.verification.api import status_form

    assert status_form(accept) == form


def test_the_did_document_lists_the_key_that_signs_the_form(anonymous: Api) -> None:
    r = anonymous.get("/.well-known/did.json")
    assert r.status_code == 200
    document = r.json()
    assert document["id"] == DID
    jwks = anonymous.get("/.well-known/jwks.json").json()["keys"]
    assert {m["id"] for m in document["verificationMethod"]} == {k["kid"] for k in jwks}
    assert isinstance(KeySet.from_jwks({"keys": jwks}).get(jwks[0]["kid"]), PublicKey)


def test_an_es256_registry_signs_with_ecdsa_rdfc_2019_and_its_proofs_verify(
    tmp_path: Path, region: Region, course: dict[str, Any]
) -> None:
    from registry.vc.keystore import KeyStore

    keys = KeyStore(tmp_path)
    keys.generate("ES256")
    jws = jwt_payload(region.certified(course)["token"])
    issuer = {"id": DID, "type": ["Profile"], "name": "CIT Utah", "url": PUBLIC_URL}
    document = di.credential_document(jws, issuer, keys, datetime.now(UTC))
    assert di.proof_of(document)["cryptosuite"] == "ecdsa-rdfc-2019"
    assert len(di.decode_proof_value(di.proof_of(document)["proofValue"])) == 64  # raw r||s
    now = datetime.now(UTC)
    verdict = verify_document(
        document, keys.trusted(), None, now, issuer=PUBLIC_URL, check_status=False
    )
    assert verdict.verdict == "valid", verdict.reasons
    # A P-256 key cannot stand behind an Ed25519 cryptosuite.
    di.proof_of(document)["cryptosuite"] = "eddsa-rdfc-2022"
    verdict = verify_document(
        document, keys.trusted(), None, now, issuer=PUBLIC_URL, check_status=False
    )
    assert verdict.verdict == "invalid"
    assert "does not fit key" in verdict.checks[-1].detail
