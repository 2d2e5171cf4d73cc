#include "render/community_id.hpp"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace sw {

std::string community_id_v1(const IpAddr& a, std::optional<uint16_t> a_port, const IpAddr& b,
                            std::optional<uint16_t> b_port, uint8_t proto, uint16_t seed) {
  if (a.family != b.family || (a.family != AF_INET && a.family != AF_INET6)) return "";
  size_t alen = a.family == AF_INET ? 4 : 16;
  const uint8_t* sa = a.bytes.data();
  const uint8_t* da = b.bytes.data();
  uint16_t sp = a_port.value_or(0), dp = b_port.value_or(0);
  bool ports = a_port && b_port;
  // The spec's ordering: the smaller address first; equal addresses, the
  // smaller port first. Both directions of a flow then hash alike.
  int c = std::memcmp(sa, da, alen);
  if (c > 0 || (c == 0 && ports && sp > dp)) {
    std::swap(sa, da);
    std::swap(sp, dp);
  }
  // seed (2 bytes, network order) . saddr . daddr . proto . pad(0) . sport . dport
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = static_cast<uint8_t>(seed >> 8);
  buf[n++] = static_cast<uint8_t>(seed);
  std::memcpy(buf + n, sa, alen);
  n += alen;
  std::memcpy(buf + n, da, alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;
  if (ports) {
    buf[n++] = static_cast<uint8_t>(sp >> 8);
    buf[n++] = static_cast<uint8_t>(sp);
    buf[n++] = static_cast<uint8_t>(dp >> 8);
    buf[n++] = static_cast<uint8_t>(dp);
  }
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, n, buf);
  uint8_t digest[SHA1_DIGEST_SIZE];
  sha1_digest(&ctx, sizeof digest, digest);
  char b64[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)];
  base64_encode_raw(b64, sizeof digest, digest);
  return "1:" + std::string(b64, sizeof b64);
}

}  // namespace sw
