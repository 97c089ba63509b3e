/** COSE_Sign1, COSE_Mac0, COSE_Encrypt0, COSE_Encrypt: RFC 8392 vectors, tampering, round trips, header rules. */
import test from 'ava';
import { CborMap, CborTag, CborValue, cborMap, decode, encode } from '../../device/codec/cbor.ts';
import { concatBytes, toHex, utf8Encode } from '../../device/codec/bytes.ts';
import { Alg, Curve, Header } from '../../device/cose/iana.ts';
import { CoseKey, curveKey, publicPart, symmetricKey } from '../../device/cose/key.ts';
import { EMPTY } from '../../device/cose/message.ts';
import { createSign1, decodeSign1, verifySign1 } from '../../device/cose/sign1.ts';
import { createMac0, decodeMac0, verifyMac0 } from '../../device/cose/mac0.ts';
import { createEncrypt0, decodeEncrypt0, decryptEncrypt0 } from '../../device/cose/encrypt0.ts';
import { createEncrypt, decodeEncrypt, decryptEncrypt } from '../../device/cose/encrypt.ts';
import { encStructure } from '../../device/cose/structures.ts';
import type { CryptoProvider } from '../../device/crypto/provider.ts';
import { hex } from '../helpers/vectors.ts';
import { PROVIDERS } from '../helpers/providers.ts';
import { CNF, CODECS, CWT, a21Key, a22Key, a23Key, flip, throwsKind } from './fixtures.ts';

const codec = CODECS[0];
const PAYLOAD = utf8Encode('This is the content.');
const AAD = hex('0011bbcc22dd44ee55ff660077');

/** A copy of a COSE message (tagged or not, bytes or value) with element `i` replaced. */
function withElement(msg: CborValue, i: number, value: CborValue): CborValue {
  const v = decode(msg instanceof Uint8Array ? msg : encode(msg));
  const arr = (v instanceof CborTag ? v.value : v) as CborValue[];
  arr[i] = value;
  return v;
}

test('Enc_structure of RFC 8747 §3.3 is byte for byte the derived one', (t) => {
  const e = CNF.examples[2];
  t.is(toHex(encStructure('Encrypt0', hex(e.cose_encrypt0.protected_hex), EMPTY, codec)), e.enc_structure_hex_derived);
});

for (const p of PROVIDERS) {
  for (const c of CODECS) {
    const tag = `(${p.name}, ${c.name})`;

    test(`RFC 8392 A.3 COSE_Sign1 verifies with the A.2.3 key ${tag}`, (t) => {
      const msg = decodeSign1(decode(hex(CWT.signed_cwt.hex)), c);
      t.is(toHex(msg.headers.protectedBytes), CWT.signed_cwt.protected_hex);
      t.is(toHex(verifySign1(msg, publicPart(a23Key()), EMPTY, p, c)), CWT.signed_cwt.payload_hex);
      throwsKind(t, () => verifySign1(msg, a23Key(), utf8Encode('x'), p, c), 'bad_signature', 'other external AAD');
      for (const i of [0, 31, 63]) {
        const bad = decodeSign1(withElement(hex(CWT.signed_cwt.hex), 3, flip(msg.signature, i)), c);
        throwsKind(t, () => verifySign1(bad, a23Key(), EMPTY, p, c), 'bad_signature', 'signature bit ' + i);
      }
      const badPayload = decodeSign1(withElement(hex(CWT.signed_cwt.hex), 2, flip(msg.payload, 10)), c);
      throwsKind(t, () => verifySign1(badPayload, a23Key(), EMPTY, p, c), 'bad_signature', 'payload');
      const moved = decodeSign1(withElement(withElement(hex(CWT.signed_cwt.hex), 0, EMPTY), 1, cborMap([[1, -7]])), c);
      throwsKind(t, () => verifySign1(moved, a23Key(), EMPTY, p, c), 'malformed_cose', 'alg only unprotected');
    });

    test(`RFC 8392 A.4 COSE_Mac0 (inside tag 61) and A.7 verify with the A.2.2 key ${tag}`, (t) => {
      const outer = decode(hex(CWT.maced_cwt.hex)) as CborTag;
      t.is(outer.tag, 61);
      const msg = decodeMac0(outer.value, c);
      t.is(toHex(verifyMac0(msg, a22Key(), EMPTY, p, c)), CWT.maced_cwt.payload_hex);
      const a7 = decodeMac0(decode(hex(CWT.maced_cwt_float.hex)), c);
      t.is(toHex(verifyMac0(a7, a22Key(), EMPTY, p, c)), CWT.maced_cwt_float.payload_hex);
      for (const i of [0, 7]) {
        const bad = { headers: msg.headers, payload: msg.payload, tag: flip(msg.tag, i) };
        throwsKind(t, () => verifyMac0(bad, a22Key(), EMPTY, p, c), 'bad_signature', 'tag byte ' + i);
      }
      throwsKind(t, () => verifyMac0({ headers: msg.headers, payload: msg.payload, tag: msg.tag.slice(0, 7) }, a22Key(), EMPTY, p, c), 'bad_signature', 'short tag');
      // the printed A.2.2 key is restricted to alg 10, so it may not check an HMAC tag
      const wrongAlg = symmetricKey(hex(CWT.keys.symmetric_256.k), null, Alg.HMAC_256_256);
      throwsKind(t, () => verifyMac0(msg, wrongAlg, EMPTY, p, c), 'unsupported_algorithm');
      // protected header changed to HMAC 256/256: the tag no longer fits
      const hdr = decodeMac0(withElement(outer.value, 0, hex('a10105')), c);
      throwsKind(t, () => verifyMac0(hdr, symmetricKey(hex(CWT.keys.symmetric_256.k), null, null), EMPTY, p, c), 'bad_signature', 'protected header');
    });

    test(`RFC 8392 A.5 COSE_Encrypt0 decrypts to the A.1 claims ${tag}`, (t) => {
      const msg = decodeEncrypt0(decode(hex(CWT.encrypted_cwt.hex)), c);
      t.is(toHex(decryptEncrypt0(msg, a21Key(), EMPTY, p, c)), CWT.claims_set.hex);
      const bytes = hex(CWT.encrypted_cwt.hex);
      for (const i of [0, 40, -1, -8]) {
        const bad = decodeEncrypt0(withElement(bytes, 2, flip(msg.ciphertext, i)), c);
        throwsKind(t, () => decryptEncrypt0(bad, a21Key(), EMPTY, p, c), 'decrypt_failed', 'ciphertext byte ' + i);
      }
      const iv = hex(CWT.encrypted_cwt.iv_hex);
      const badIv = decodeEncrypt0(withElement(bytes, 1, cborMap([[5, flip(iv, 0)]])), c);
      throwsKind(t, () => decryptEncrypt0(badIv, a21Key(), EMPTY, p, c), 'decrypt_failed', 'IV');
      const shortIv = decodeEncrypt0(withElement(bytes, 1, cborMap([[5, iv.slice(1)]])), c);
      throwsKind(t, () => decryptEncrypt0(shortIv, a21Key(), EMPTY, p, c), 'malformed_cose', 'IV length');
      // protected header a1010a replaced by a101181e (alg 30): the key no longer fits the algorithm
      const otherAlg = decodeEncrypt0(withElement(bytes, 0, hex('a101181e')), c);
      throwsKind(t, () => decryptEncrypt0(otherAlg, a21Key(), EMPTY, p, c), 'unsupported_algorithm');
      // same map, non-preferred encoding of alg (a1 01 18 0a): the AAD changes, the tag fails
      const reencoded = decodeEncrypt0(withElement(bytes, 0, hex('a101180a')), c);
      throwsKind(t, () => decryptEncrypt0(reencoded, a21Key(), EMPTY, p, c), 'decrypt_failed', 'protected bytes as received');
      throwsKind(t, () => decryptEncrypt0(msg, a21Key(), AAD, p, c), 'decrypt_failed', 'external AAD');
    });

    test(`RFC 8747 §3.3 Encrypted_COSE_Key decrypts to its COSE_Key ${tag}`, (t) => {
      const e = CNF.examples[2];
      const claims = decode(hex(e.derived_hex)) as CborMap;
      const enc = (claims.get(8) as CborMap).get(2);
      const kek = symmetricKey(hex(e.encryption_key), null, null);
      const plain = decryptEncrypt0(decodeEncrypt0(enc, c), kek, EMPTY, p, c);
      t.is(toHex(plain), e.decrypted_plaintext_hex_derived);
    });

    test(`tags: expected tag or none; anything else is malformed_cose ${tag}`, (t) => {
      const a3 = decode(hex(CWT.signed_cwt.hex)) as CborTag;
      t.notThrows(() => decodeSign1(a3.value, c));
      throwsKind(t, () => decodeSign1(new CborTag(17, a3.value), c), 'malformed_cose');
      throwsKind(t, () => decodeMac0(a3, c), 'malformed_cose');
      throwsKind(t, () => decodeEncrypt0(a3, c), 'malformed_cose');
      throwsKind(t, () => decodeEncrypt(a3, c), 'malformed_cose');
      throwsKind(t, () => decodeSign1(new CborTag(61, a3), c), 'malformed_cose', 'CWT tag is the CWT layer\'s');
      throwsKind(t, () => decodeSign1((a3.value as CborValue[]).slice(0, 3), c), 'malformed_cose', 'short array');
      throwsKind(t, () => decodeSign1(withElement(a3, 2, null), c), 'malformed_cose', 'detached payload');
    });

    test(`header rules: duplicates, crit, types ${tag}`, (t) => {
      const key = symmetricKey(new Uint8Array(32).fill(7), null, null);
      const mac = (prot: CborMap, unprot: CborMap) => encode(createMac0(PAYLOAD, key, Alg.HMAC_256_256, { protected: prot, unprotected: unprot }, p, c));
      const check = (bytes: Uint8Array) => verifyMac0(decodeMac0(decode(bytes), c), key, EMPTY, p, c);
      t.notThrows(() => check(mac(new CborMap(), new CborMap())));
      const dup = withElement(mac(cborMap([[Header.ContentType, 0]]), new CborMap()), 1, cborMap([[Header.ContentType, 0]]));
      throwsKind(t, () => decodeMac0(dup, c), 'malformed_cose', 'duplicate label');
      t.notThrows(() => check(mac(cborMap([[Header.Crit, [Header.ContentType]], [Header.ContentType, 60]]), new CborMap())), 'known critical label');
      throwsKind(t, () => decodeMac0(decode(mac(cborMap([[Header.Crit, [-70000]], [-70000, 1]]), new CborMap())), c), 'malformed_cose', 'unknown critical label');
      throwsKind(t, () => decodeMac0(decode(mac(cborMap([[Header.Crit, [Header.ContentType]]]), new CborMap())), c), 'malformed_cose', 'crit label absent');
      throwsKind(t, () => decodeMac0(decode(mac(cborMap([[Header.Crit, []]]), new CborMap())), c), 'malformed_cose', 'empty crit');
      throwsKind(t, () => decodeMac0(decode(mac(new CborMap(), cborMap([[Header.Crit, [3]], [3, 0]]))), c), 'malformed_cose', 'crit unprotected');
      throwsKind(t, () => decodeMac0(decode(mac(new CborMap(), cborMap([[Header.Kid, 'text']]))), c), 'malformed_cose', 'kid type');
      t.notThrows(() => check(mac(new CborMap(), cborMap([[-70000, 'ignored']]))), 'unknown non-critical label');
      // a protected bucket given as h'a0' (empty map) is accepted and used as received
      const a0 = withElement(mac(new CborMap(), new CborMap()), 0, hex('a0'));
      const decoded = decodeMac0(a0, c);
      t.is(toHex(decoded.headers.protectedBytes), 'a0');
      throwsKind(t, () => check(encode(a0)), 'malformed_cose', 'alg gone with the bucket');
      throwsKind(t, () => decodeMac0(withElement(a0, 0, hex('ff')), c), 'malformed_cose', 'protected not CBOR');
      throwsKind(t, () => decodeMac0(withElement(a0, 0, hex('80')), c), 'malformed_cose', 'protected not a map');
    });

    test(`Sign1 round trips with EdDSA and ES256, with external AAD ${tag}`, (t) => {
      for (const [alg, crv] of [[Alg.EdDSA, Curve.Ed25519], [Alg.ES256, Curve.P256]] as Array<[Alg, Curve]>) {
        const pair = p.generateKeyPair(crv);
        const key = curveKey(crv, pair.publicKey, pair.privateKey, utf8Encode('issuer'), alg);
        const bytes = encode(createSign1(PAYLOAD, key, alg, { externalAad: AAD, tagged: true }, p, c));
        const msg = decodeSign1(decode(bytes), c);
        t.deepEqual(verifySign1(msg, publicPart(key), AAD, p, c), PAYLOAD);
        t.deepEqual(msg.headers.unprotected.get(Header.Kid), utf8Encode('issuer'));
        throwsKind(t, () => verifySign1(msg, publicPart(key), EMPTY, p, c), 'bad_signature');
        const other = p.generateKeyPair(crv);
        throwsKind(t, () => verifySign1(msg, curveKey(crv, other.publicKey, null, null, null), AAD, p, c), 'bad_signature', 'other key');
      }
    });

    test(`Mac0 round trips with HMAC 256/64 and 256/256 ${tag}`, (t) => {
      const key = symmetricKey(p.randomBytes(32), utf8Encode('as'), null);
      for (const [alg, len] of [[Alg.HMAC_256_64, 8], [Alg.HMAC_256_256, 32]]) {
        const msg = decodeMac0(decode(encode(createMac0(PAYLOAD, key, alg, { externalAad: AAD }, p, c))), c);
        t.is(msg.tag.length, len);
        t.deepEqual(verifyMac0(msg, key, AAD, p, c), PAYLOAD);
        throwsKind(t, () => verifyMac0(msg, key, EMPTY, p, c), 'bad_signature');
      }
      throwsKind(t, () => createMac0(PAYLOAD, key, Alg.EdDSA, {}, p, c), 'unsupported_algorithm');
    });

    test(`Encrypt0 round trips with every AEAD, and Partial IV with a Base IV ${tag}`, (t) => {
      for (const [alg, len] of [[Alg.AES_CCM_16_64_128, 16], [Alg.AES_CCM_16_128_128, 16], [Alg.A128GCM, 16], [Alg.A256GCM, 32], [Alg.ChaCha20Poly1305, 32]]) {
        const key = symmetricKey(p.randomBytes(len), null, alg);
        const msg = decodeEncrypt0(decode(encode(createEncrypt0(PAYLOAD, key, alg, { externalAad: AAD, tagged: true }, p, c))), c);
        t.deepEqual(decryptEncrypt0(msg, key, AAD, p, c), PAYLOAD, 'alg ' + alg);
        throwsKind(t, () => decryptEncrypt0(msg, key, EMPTY, p, c), 'decrypt_failed');
      }
      // Partial IV: nonce = Base IV XOR left-padded Partial IV (RFC 9052 §3.1)
      const baseIv = p.randomBytes(13);
      const k = p.randomBytes(16);
      const piv = hex('05');
      const nonce = baseIv.slice();
      nonce[12] ^= 5;
      const full = decode(encode(createEncrypt0(PAYLOAD, symmetricKey(k, null, null), Alg.AES_CCM_16_64_128, { iv: nonce }, p, c))) as CborValue[];
      const withPiv = [full[0], cborMap([[Header.PartialIV, piv]]), full[2]];
      const keyWithBase = { ...symmetricKey(k, null, null), baseIv: baseIv };
      t.deepEqual(decryptEncrypt0(decodeEncrypt0(withPiv, c), keyWithBase, EMPTY, p, c), PAYLOAD);
      throwsKind(t, () => decryptEncrypt0(decodeEncrypt0(withPiv, c), symmetricKey(k, null, null), EMPTY, p, c), 'malformed_cose', 'no Base IV');
      throwsKind(t, () => decodeEncrypt0([full[0], cborMap([[5, nonce], [6, piv]]), full[2]], c), 'malformed_cose', 'IV and Partial IV');
    });

    test(`COSE_Encrypt with ECDH-ES + HKDF-256 to X25519 and P-256 ${tag}`, (t) => {
      for (const crv of [Curve.X25519, Curve.P256]) {
        const pair = p.generateKeyPair(crv);
        const device = curveKey(crv, pair.publicKey, pair.privateKey, utf8Encode('dev'), null);
        for (const alg of [Alg.AES_CCM_16_64_128, Alg.A128GCM, Alg.ChaCha20Poly1305]) {
          const bytes = encode(createEncrypt(PAYLOAD, publicPart(device), alg, { externalAad: AAD, tagged: true }, p, c));
          const msg = decodeEncrypt(decode(bytes), c);
          t.deepEqual(decryptEncrypt(msg, device, AAD, p, c), PAYLOAD, 'crv ' + crv + ' alg ' + alg);
          throwsKind(t, () => decryptEncrypt(msg, device, EMPTY, p, c), 'decrypt_failed');
          const other = p.generateKeyPair(crv);
          throwsKind(t, () => decryptEncrypt(msg, curveKey(crv, other.publicKey, other.privateKey, null, null), AAD, p, c), 'decrypt_failed', 'other device');
          throwsKind(t, () => decryptEncrypt(msg, curveKey(crv, other.publicKey, other.privateKey, utf8Encode('x'), null), AAD, p, c), 'unknown_kid');
        }
        // the recipient's protected bucket is in the KDF context: changing its encoding changes the key
        const bytes = encode(createEncrypt(PAYLOAD, publicPart(device), Alg.A128GCM, {}, p, c));
        const v = decode(bytes) as CborValue[];
        const r = (v[3] as CborValue[])[0] as CborValue[];
        r[0] = hex('a101381800').slice(0, 4); // same bytes: a1 01 38 18
        t.deepEqual(decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), PAYLOAD);
        r[0] = concatBytes([hex('a2'), hex('013818'), hex('0300')]); // adds content type 0: other context
        throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), 'decrypt_failed', 'recipient protected in KDF');
        // salt and PartyU nonce from the recipient header enter the derivation
        const salted = encode(createEncrypt(PAYLOAD, publicPart(device), Alg.A128GCM, { recipientUnprotected: cborMap([[Header.Salt, hex('0102')], [Header.PartyUNonce, hex('aa')]]) }, p, c));
        t.deepEqual(decryptEncrypt(decodeEncrypt(decode(salted), c), device, EMPTY, p, c), PAYLOAD);
        const sv = decode(salted) as CborValue[];
        (((sv[3] as CborValue[])[0] as CborValue[])[1] as CborMap).set(Header.Salt, hex('0103'));
        throwsKind(t, () => decryptEncrypt(decodeEncrypt(sv, c), device, EMPTY, p, c), 'decrypt_failed', 'salt');
      }
    });

    test(`COSE_Encrypt refuses bad ephemeral keys and recipient shapes ${tag}`, (t) => {
      const pair = p.generateKeyPair(Curve.X25519);
      const device = curveKey(Curve.X25519, pair.publicKey, pair.privateKey, null, null);
      const v = decode(encode(createEncrypt(PAYLOAD, publicPart(device), Alg.A128GCM, {}, p, c))) as CborValue[];
      const rUnprot = () => (((v[3] as CborValue[])[0] as CborValue[])[1] as CborMap);
      const eph = rUnprot().get(Header.EphemeralKey) as CborMap;
      rUnprot().set(Header.EphemeralKey, cborMap([[1, 2], [-1, 1], [-2, new Uint8Array(32)], [-3, true]]));
      throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), 'malformed_cose', 'compressed P-256 ephemeral');
      rUnprot().set(Header.EphemeralKey, cborMap([[1, 1], [-1, 4], [-2, new Uint8Array(32)]]));
      throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), 'malformed_cose', 'all-zero X25519 point');
      rUnprot().delete(Header.EphemeralKey);
      throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), 'malformed_cose', 'no ephemeral key');
      rUnprot().set(Header.EphemeralKey, eph);
      t.deepEqual(decryptEncrypt(decodeEncrypt(v, c), device, EMPTY, p, c), PAYLOAD);
      const two = [v[0], v[1], v[2], [(v[3] as CborValue[])[0], (v[3] as CborValue[])[0]]];
      throwsKind(t, () => decodeEncrypt(two, c), 'malformed_cose', 'two recipients');
      const withKey = [v[0], v[1], v[2], [[hex('a1013818'), new CborMap(), hex('00')]]];
      throwsKind(t, () => decodeEncrypt(withKey, c), 'malformed_cose', 'recipient ciphertext');
      const p256 = p.generateKeyPair(Curve.P256);
      throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), curveKey(Curve.P256, p256.publicKey, p256.privateKey, null, null), EMPTY, p, c), 'malformed_cose', 'curve mismatch');
      throwsKind(t, () => decryptEncrypt(decodeEncrypt(v, c), symmetricKey(new Uint8Array(16), null, null), EMPTY, p, c), 'unsupported_algorithm', 'symmetric recipient key');
    });
  }
}

function crossCheck(maker: CryptoProvider, checker: CryptoProvider): void {
  const tag = `${maker.name} -> ${checker.name}`;
  test(`cross-provider: built with ${tag}`, (t) => {
    for (const [alg, crv] of [[Alg.EdDSA, Curve.Ed25519], [Alg.ES256, Curve.P256]] as Array<[Alg, Curve]>) {
      const pair = maker.generateKeyPair(crv);
      const key = curveKey(crv, pair.publicKey, pair.privateKey, null, null);
      const msg = decodeSign1(decode(encode(createSign1(PAYLOAD, key, alg, {}, maker, codec))), codec);
      t.deepEqual(verifySign1(msg, publicPart(key), EMPTY, checker, codec), PAYLOAD);
    }
    const sym = symmetricKey(maker.randomBytes(32), null, null);
    t.deepEqual(verifyMac0(decodeMac0(decode(encode(createMac0(PAYLOAD, sym, Alg.HMAC_256_64, {}, maker, codec))), codec), sym, EMPTY, checker, codec), PAYLOAD);
    for (const alg of [Alg.AES_CCM_16_64_128, Alg.AES_CCM_16_128_128, Alg.A128GCM, Alg.A256GCM, Alg.ChaCha20Poly1305]) {
      const k = symmetricKey(maker.randomBytes(alg === Alg.A256GCM || alg === Alg.ChaCha20Poly1305 ? 32 : 16), null, null);
      t.deepEqual(decryptEncrypt0(decodeEncrypt0(decode(encode(createEncrypt0(PAYLOAD, k, alg, {}, maker, codec))), codec), k, EMPTY, checker, codec), PAYLOAD);
    }
    for (const crv of [Curve.X25519, Curve.P256]) {
      const pair = checker.generateKeyPair(crv);
      const device: CoseKey = curveKey(crv, pair.publicKey, pair.privateKey, null, null);
      const msg = decodeEncrypt(decode(encode(createEncrypt(PAYLOAD, publicPart(device), Alg.A128GCM, {}, maker, codec))), codec);
      t.deepEqual(decryptEncrypt(msg, device, EMPTY, checker, codec), PAYLOAD);
    }
  });
}

for (const a of PROVIDERS) for (const b of PROVIDERS) if (a !== b) crossCheck(a, b);
