#include "net/transport/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <fstream>

namespace chatd {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's reason for the last failure, for an operator's eyes ("no start line", "key values
// mismatch"), and the error queue left empty for the next caller.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown OpenSSL error";
}

std::string sha256_hex(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), digest, &size) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::unique_ptr<ssl::context> make_context(const std::string& cert_file, const std::string& key_file, std::string& error,
                                           std::string& fingerprint) {
  if (!std::ifstream(cert_file)) {
    error = "--tls-cert: cannot read '" + cert_file + "'";
    return nullptr;
  }
  if (!std::ifstream(key_file)) {
    error = "--tls-key: cannot read '" + key_file + "'";
    return nullptr;
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  // TLS 1.2 and 1.3 only (1.0 and 1.1 are deprecated by RFC 8996); no renegotiation (a client
  // could make the server do a handshake's work again and again on one connection) and no
  // compression (CRIME).
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection then holds no read and write buffers (about 34 KB each otherwise): what an
  // idle client costs matters more here than one allocation per record.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1) {
    error = "--tls-cert: '" + cert_file + "' is not a PEM certificate chain (" + openssl_reason() + ")";
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    error = mismatch ? "--tls-key: '" + key_file + "' is not the key of the certificate in '" + cert_file + "' (" + openssl_reason() + ")"
                     : "--tls-key: '" + key_file + "' is not an unencrypted PEM private key (" + openssl_reason() + ")";
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error = "--tls-key: '" + key_file + "' is not the key of the certificate in '" + cert_file + "' (" + openssl_reason() + ")";
    return nullptr;
  }
  fingerprint = sha256_hex(SSL_CTX_get0_certificate(native));
  return context;
}

}  // namespace

std::unique_ptr<TlsCredentials> TlsCredentials::load(const std::string& cert_file, const std::string& key_file,
                                                     std::string& error) {
  std::unique_ptr<TlsCredentials> credentials(new TlsCredentials());
  credentials->context_ = make_context(cert_file, key_file, error, credentials->fingerprint_);
  if (!credentials->context_) return nullptr;
  return credentials;
}

// The connections made from this context keep it alive through their SSL objects (SSL_new takes a
// reference to its SSL_CTX; asio's context destructor only drops chatd's).
TlsCredentials::~TlsCredentials() = default;

}  // namespace chatd
