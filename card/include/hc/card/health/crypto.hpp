// The symmetric crypto steps of the health card (healthcard-reference §4-5), in software with
// OpenSSL (SM4). Used by the software SecureAccessModule and by the emulator's card side, so both
// ends compute the same values. Pure functions, any thread. Key bytes passed here are never logged.
//
// Key derivation (the reference leaves it open; this is the choice, docs/healthcard.md §keys):
//   diversify(K, D)  = SM4-ECB_K(D || NOT D)                       (one 16-byte block, D 8 bytes)
//   card key         = diversify(diversify(master, city8), cardNo8) for two-level keys (80DE P1=4x)
//                    = diversify(master, cardNo8)                   for one-level keys (P1=2x)
//   session key K_s  = diversify(card key, challenge8)
// i.e. the SAM's 80 DE data (cardNo8 || [city8] || rand8) is applied highest level first:
// city, card, challenge. This is hc::hsm's PbocDiversify step for SM4, so a KeySpec
// master.diversified({city8, cardNo8, rand8}) gives the same K_s.
//
//   external authentication: crypt8 = fold(SM4-ECB_Ks(P8 || 00*8)), fold(C) = C[0..7] XOR C[8..15]
//   SM MAC: SM4 CBC-MAC, IV 16 zero bytes, over pad80(data) to 16-byte blocks; first 4 bytes
#pragma once

#include "hc/card/bytes.hpp"

namespace hc::card::health {

/** SM4-ECB over whole 16-byte blocks. Throws hc::InputError for a bad key or data length. */
Bytes sm4EcbEncrypt(ByteView key16, ByteView data);
/** SM4-ECB decryption over whole blocks. */
Bytes sm4EcbDecrypt(ByteView key16, ByteView data);
/** SM4 CBC-MAC over whole blocks (no padding added), returning the last 16-byte block. */
Bytes sm4CbcMac(ByteView key16, ByteView iv16, ByteView paddedData);
/** ISO 9797-1 method 2: append 80, then 00 up to a multiple of `block` (always adds a byte). */
Bytes pad80(ByteView data, std::size_t block = 16);
/** Removes method-2 padding; throws hc::InputError when there is none. */
Bytes unpad80(ByteView data);
/** SM4_K(D || NOT D) for an 8-byte factor D. */
Bytes diversify(ByteView key16, ByteView factor8);
/** C[0..7] XOR C[8..15] of a 16-byte block. */
Bytes fold16(ByteView block16);
/** The session key for the SAM's 80 DE data cardNo8 || [city8] || rand8 (see above). */
Bytes sessionKey(ByteView master16, ByteView divData);
/** The card key (without the challenge level) from the same 80 DE data minus rand8. */
Bytes cardKey(ByteView master16, ByteView cardNo8, ByteView city8 = {});
/** crypt8 = fold(SM4_Ks(plain8 || 00*8)). */
Bytes authCryptogram(ByteView sessionKey16, ByteView plain8);
/** MAC4: first 4 bytes of sm4CbcMac(K_s, 0^16, pad80(data)). */
Bytes smMac4(ByteView sessionKey16, ByteView data);
/** SM3 digest (32 bytes). */
Bytes sm3(ByteView data);
/** Constant-time comparison. */
bool equalConstantTime(ByteView a, ByteView b);

} // namespace hc::card::health
