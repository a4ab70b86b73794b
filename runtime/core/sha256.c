/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): image ids, digests and
 * the auth token. Small and dependency-free; checked against the standard
 * test vectors in runtime/tests. */
#include "gen_internal.h"

#include <stdio.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(ctrt__sha256 *ctx, const uint8_t block[64]) {
  uint32_t w[64];
  for (size_t i = 0; i < 16; i++)
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
           block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = ctx->state[0], b = ctx->state[1], c = ctx->state[2], d = ctx->state[3];
  uint32_t e = ctx->state[4], f = ctx->state[5], g = ctx->state[6], h = ctx->state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  ctx->state[0] += a;
  ctx->state[1] += b;
  ctx->state[2] += c;
  ctx->state[3] += d;
  ctx->state[4] += e;
  ctx->state[5] += f;
  ctx->state[6] += g;
  ctx->state[7] += h;
}

void ctrt__sha256_init(ctrt__sha256 *ctx) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(ctx->state, iv, sizeof iv);
  ctx->length = 0;
  ctx->used = 0;
}

void ctrt__sha256_update(ctrt__sha256 *ctx, const void *data, size_t len) {
  const uint8_t *p = data;
  ctx->length += len;
  while (len > 0) {
    size_t take = 64 - ctx->used < len ? 64 - ctx->used : len;
    memcpy(ctx->block + ctx->used, p, take);
    ctx->used += take;
    p += take;
    len -= take;
    if (ctx->used == 64) {
      compress(ctx, ctx->block);
      ctx->used = 0;
    }
  }
}

void ctrt__sha256_final(ctrt__sha256 *ctx, uint8_t digest[32]) {
  uint64_t bits = ctx->length * 8;
  uint8_t pad = 0x80;
  ctrt__sha256_update(ctx, &pad, 1);
  pad = 0;
  while (ctx->used != 56)
    ctrt__sha256_update(ctx, &pad, 1);
  uint8_t len_be[8];
  for (int i = 0; i < 8; i++)
    len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
  ctrt__sha256_update(ctx, len_be, 8);
  for (size_t i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)ctx->state[i];
  }
}

void ctrt__sha256_hex(const uint8_t digest[32], char hex[65]) {
  for (size_t i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

char *ctrt__sha256_digest_string(const void *data, size_t len) {
  ctrt__sha256 ctx;
  uint8_t digest[32];
  char hex[65];
  ctrt__sha256_init(&ctx);
  ctrt__sha256_update(&ctx, data, len);
  ctrt__sha256_final(&ctx, digest);
  ctrt__sha256_hex(digest, hex);
  return ctrt__sprintf("sha256:%s", hex);
}

void ctrt__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t mac[32]) {
  uint8_t k[64] = {0};
  if (key_len > 64) {
    ctrt__sha256 ctx;
    ctrt__sha256_init(&ctx);
    ctrt__sha256_update(&ctx, key, key_len);
    ctrt__sha256_final(&ctx, k);
  } else if (key_len > 0) {
    memcpy(k, key, key_len);
  }
  uint8_t pad[64];
  uint8_t inner[32];
  ctrt__sha256 ctx;
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  ctrt__sha256_init(&ctx);
  ctrt__sha256_update(&ctx, pad, 64);
  ctrt__sha256_update(&ctx, data, len);
  ctrt__sha256_final(&ctx, inner);
  for (int i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  ctrt__sha256_init(&ctx);
  ctrt__sha256_update(&ctx, pad, 64);
  ctrt__sha256_update(&ctx, inner, 32);
  ctrt__sha256_final(&ctx, mac);
  /* Key material should not linger on the stack. */
  memset(k, 0, sizeof k);
  memset(pad, 0, sizeof pad);
}
