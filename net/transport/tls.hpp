// TlsCredentials: the server's certificate chain and private key (--tls-cert, --tls-key) as the
// OpenSSL context every new TLS connection is made from, TLS 1.2 and later only. A reload (SIGHUP:
// certbot renews the files in place) loads new credentials and, only if they load, puts them in
// the old ones' place: connections accepted after it present the new certificate, those already
// open keep the one they shook hands with (each SSL object holds a reference to its own SSL_CTX,
// so the old context lives exactly as long as its last connection).
// Thread-safety: one network thread; the contexts themselves are OpenSSL's, safe to share.
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace chatd {

class TlsCredentials {
 public:
  // Loads `cert_file` (PEM: the certificate, then any intermediates) and `key_file` (PEM, not
  // encrypted). On failure returns null and sets `error` to what an operator must fix.
  static std::unique_ptr<TlsCredentials> load(const std::string& cert_file, const std::string& key_file, std::string& error);
  ~TlsCredentials();

  // The context new connections are made from.
  boost::asio::ssl::context& current() { return *context_; }
  // The leaf certificate's SHA-256 fingerprint, hex: what the log names on start and reload.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  TlsCredentials() = default;
  std::unique_ptr<boost::asio::ssl::context> context_;
  std::string fingerprint_;
};

}  // namespace chatd
