// What @credo-ts/node and @credo-ts/askar would give a Credo 0.6 agent, made here from node:crypto
// and memory: neither installs offline (askar-nodejs's install script downloads its native library
// from GitHub; @credo-ts/node has no 0.6 release on npm). Ported from Credo's own 0.6.3 sources
// (Apache-2.0): the key management service of packages/node/src/kms (NodeKeyManagementService,
// cut to the Ed25519 and P-256/P-384 signing keys a holder makes) and the in-memory storage service
// of tests/InMemoryStorageService.ts, which Credo's own tests run agents on.
import {EventEmitter} from 'node:events';
import {
  createPrivateKey, createPublicKey, generateKeyPair, randomBytes, randomUUID, sign, verify
} from 'node:crypto';
import {promisify} from 'node:util';

const {
  JsonTransformer, Kms, RecordDuplicateError, RecordNotFoundError, StorageVersionRecord
} = await import('@credo-ts/core');

const generate = promisify(generateKeyPair);
const signAsync = promisify(sign);
const verifyAsync = promisify(verify);

const EC_CURVES = new Set(['P-256', 'P-384']);
const HASH = {ES256: 'sha256', ES384: 'sha384', EdDSA: undefined, Ed25519: undefined};

function supportedKey(jwk) {
  return (jwk?.kty === 'OKP' && jwk.crv === 'Ed25519') ||
    (jwk?.kty === 'EC' && EC_CURVES.has(jwk.crv));
}

// Credo's Kms.KeyManagementService on node:crypto: keys as private JWKs in a Map.
export class NodeCryptoKms {
  backend = 'node-crypto';
  #keys = new Map();

  isOperationSupported(_context, operation) {
    switch(operation.operation) {
      case 'createKey': return supportedKey(operation.type);
      case 'importKey': return supportedKey(operation.privateJwk);
      case 'sign':
      case 'verify': return operation.algorithm in HASH;
      case 'deleteKey':
      case 'randomBytes': return true;
      default: return false;
    }
  }

  randomBytes(_context, {length}) {
    return randomBytes(length);
  }

  async getPublicKey(_context, keyId) {
    const key = this.#keys.get(keyId);
    return key ? Kms.publicJwkFromPrivateJwk(key) : null;
  }

  async createKey(_context, {type, keyId}) {
    if(!supportedKey(type)) {
      throw new Kms.KeyManagementAlgorithmNotSupportedError(`${type.kty} ${type.crv}`, this.backend);
    }
    this.#assertNew(keyId);
    const {privateKey, publicKey} = type.kty === 'OKP' ?
      await generate('ed25519') : await generate('ec', {namedCurve: type.crv});
    const kid = keyId ?? randomUUID();
    this.#keys.set(kid, {...privateKey.export({format: 'jwk'}), kid});
    return {keyId: kid, publicJwk: {...publicKey.export({format: 'jwk'}), kid}};
  }

  async importKey(_context, {privateJwk}) {
    this.#assertNew(privateJwk.kid);
    createPrivateKey({format: 'jwk', key: privateJwk}); // validates it
    const kid = privateJwk.kid ?? randomUUID();
    this.#keys.set(kid, {...privateJwk, kid});
    return {keyId: kid, publicJwk: {...Kms.publicJwkFromPrivateJwk(privateJwk), kid}};
  }

  async deleteKey(_context, {keyId}) {
    return this.#keys.delete(keyId);
  }

  async sign(_context, {keyId, algorithm, data}) {
    const key = this.#keys.get(keyId);
    if(!key) {
      throw new Kms.KeyManagementKeyNotFoundError(keyId, [this.backend]);
    }
    Kms.assertAllowedSigningAlgForKey(key, algorithm);
    Kms.assertKeyAllowsSign(key);
    const signature = await signAsync(
      HASH[algorithm], data, createPrivateKey({format: 'jwk', key}));
    // node:crypto signs EC as DER; JOSE (and Credo) want the raw r || s.
    return {signature: key.kty === 'EC' ? Kms.derEcSignatureToRaw(signature, key.crv) : signature};
  }

  async verify(_context, {key: {keyId, publicJwk}, algorithm, data, signature}) {
    const key = keyId ? this.#keys.get(keyId) : publicJwk;
    if(!supportedKey(key)) {
      throw new Kms.KeyManagementAlgorithmNotSupportedError(`${key?.kty} ${key?.crv}`, this.backend);
    }
    Kms.assertAllowedSigningAlgForKey(key, algorithm);
    Kms.assertKeyAllowsVerify(key);
    const raw = key.kty === 'EC' ? Kms.rawEcSignatureToDer(signature, key.crv) : signature;
    const verified = await verifyAsync(
      HASH[algorithm], data, createPublicKey({format: 'jwk', key}), raw);
    return verified ? {verified, publicJwk: Kms.publicJwkFromPrivateJwk(key)} : {verified};
  }

  encrypt() {
    throw new Kms.KeyManagementError('encryption is not offered by this test wallet');
  }

  decrypt() {
    throw new Kms.KeyManagementError('decryption is not offered by this test wallet');
  }

  #assertNew(keyId) {
    if(keyId && this.#keys.has(keyId)) {
      throw new Kms.KeyManagementKeyExistsError(keyId, this.backend);
    }
  }
}

function matches(tags, query) {
  const {$and, $or, $not, ...simple} = query;
  if($not) {
    throw new Error('$not queries are not supported in memory');
  }
  const simpleMatch = Object.entries(simple).every(([name, value]) => value === undefined ||
    (Array.isArray(value) ?
      Array.isArray(tags[name]) && value.every(v => tags[name].includes(v)) :
      tags[name] === value));
  return simpleMatch && (!$and || $and.every(q => matches(tags, q))) &&
    (!$or || $or.some(q => matches(tags, q)));
}

// Credo's StorageService in memory, one table of records per agent context.
export class InMemoryStorageService {
  supportsCursorPagination = false;
  #contexts = new Map();

  #records(context) {
    let records = this.#contexts.get(context.contextCorrelationId);
    if(!records) {
      records = new Map();
      this.#contexts.set(context.contextCorrelationId, records);
      const version = new StorageVersionRecord(
        {storageVersion: StorageVersionRecord.frameworkStorageVersion});
      records.set(version.id, this.#stored(version));
    }
    return records;
  }

  #stored(record) {
    record.updatedAt = new Date();
    const value = JsonTransformer.toJSON(record);
    delete value._tags;
    return {id: record.id, type: record.type, value, tags: record.getTags()};
  }

  #instance(stored, recordClass) {
    const instance = JsonTransformer.fromJSON(stored.value, recordClass);
    instance.id = stored.id;
    instance.replaceTags(stored.tags);
    return instance;
  }

  #existing(context, type, id) {
    const stored = this.#records(context).get(id);
    if(!stored) {
      throw new RecordNotFoundError(`record with id ${id} not found.`, {recordType: type});
    }
    return stored;
  }

  async save(context, record) {
    if(this.#records(context).has(record.id)) {
      throw new RecordDuplicateError(`Record with id ${record.id} already exists`,
        {recordType: record.type});
    }
    this.#records(context).set(record.id, this.#stored(record));
  }

  async update(context, record) {
    this.#existing(context, record.type, record.id);
    this.#records(context).set(record.id, this.#stored(record));
  }

  async delete(context, record) {
    this.#existing(context, record.type, record.id);
    this.#records(context).delete(record.id);
  }

  async deleteById(context, recordClass, id) {
    this.#existing(context, recordClass.type, id);
    this.#records(context).delete(id);
  }

  async getById(context, recordClass, id) {
    return this.#instance(this.#existing(context, recordClass.type, id), recordClass);
  }

  async getAll(context, recordClass) {
    return this.findByQuery(context, recordClass, {});
  }

  async findByQuery(context, recordClass, query, {offset = 0, limit} = {}) {
    const found = [...this.#records(context).values()]
      .filter(r => r.type === recordClass.type && matches(r.tags, query));
    return found.slice(offset, limit === undefined ? undefined : offset + limit)
      .map(r => this.#instance(r, recordClass));
  }
}

// A holder over OpenID4VCI touches no file and no WebSocket: both refuse, so a use shows.
class NoFileSystem {
  dataPath = '/nonexistent/credo/data';
  cachePath = '/nonexistent/credo/cache';
  tempPath = '/nonexistent/credo/tmp';
}
for(const name of ['exists', 'createDirectory', 'copyFile', 'write', 'read', 'delete',
  'downloadToFile']) {
  NoFileSystem.prototype[name] = async path => {
    throw new Error(`the test wallet has no file system (${name} ${path})`);
  };
}

class NoWebSocket {
  constructor() {
    throw new Error('the test wallet opens no WebSocket');
  }
}

// The AgentDependencies @credo-ts/node exports, less its file system and WebSocket.
export const agentDependencies = {
  FileSystem: NoFileSystem,
  EventEmitterClass: EventEmitter,
  fetch: (...args) => globalThis.fetch(...args),
  WebSocketClass: NoWebSocket
};
