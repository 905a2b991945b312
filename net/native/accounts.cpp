// The accounts domain in the native dialect: its ops, their replies and its push (docs/protocol.md,
// "Accounts"). A password travels as the request's secret: the session hashes or verifies it off
// the engine and it is never echoed, logged or kept.
#include "core/accounts/commands.hpp"
#include "core/accounts/errors.hpp"
#include "core/base/json_text.hpp"
#include "net/native/dialect.hpp"
#include "projections/accounts/state.hpp"

namespace chatd {
namespace {

using namespace chatd::projections;

std::string optional_text(NativeDialect::Fields& f, const char* name) {
  std::string* v = f.text(name);
  return v ? std::move(*v) : std::string();
}

void build_signup(NativeDialect::Fields& f, Decoded& out) {
  Signup c{std::move(*f.text("username")), std::move(*f.text("email")), std::move(*f.text("display_name")),
           optional_text(f, "device_name"), ""};
  c.issue_secret = f.boolean("issue_secret").value_or(false);
  if (!c.issue_secret && !f.has("password")) return NativeDialect::reject(out, errors::kBadRequest, "missing 'password' (or 'issue_secret')");
  out.request.secret = optional_text(f, "password");
  if (c.issue_secret && !out.request.secret.empty())
    return NativeDialect::reject(out, errors::kBadRequest, "a password, or a secret the server makes: not both");
  if (!c.issue_secret && out.request.secret.empty()) return NativeDialect::reject(out, errors::kWeakPassword, "a password is needed");
  out.request.command = std::move(c);
}
void build_login(NativeDialect::Fields& f, Decoded& out) {
  out.request.secret = std::move(*f.text("password"));
  if (out.request.secret.empty()) return NativeDialect::reject(out, errors::kWrongPassword, "a password is needed");
  Login c{optional_text(f, "username"), optional_text(f, "device_name"), optional_text(f, "email")};
  if (c.username.empty() == c.email.empty()) return NativeDialect::reject(out, errors::kBadRequest, "log in by username or by email, one of the two");
  if (const std::optional<std::uint64_t> account = f.number("account")) {
    if (c.email.empty()) return NativeDialect::reject(out, errors::kBadRequest, "an account is chosen among an email's");
    c.account = *account;
  }
  out.request.command = std::move(c);
}
void build_login_token(NativeDialect::Fields& f, Decoded& out) { out.request.command = LoginToken{std::move(*f.text("token"))}; }
void build_logout(NativeDialect::Fields&, Decoded& out) { out.request.command = Logout{}; }
void build_devices(NativeDialect::Fields&, Decoded& out) { out.request.command = MyDevices{}; }
void build_revoke(NativeDialect::Fields& f, Decoded& out) { out.request.command = RevokeDevice{*f.number("device")}; }
void build_change_password(NativeDialect::Fields& f, Decoded& out) {
  out.request.secret = std::move(*f.text("password"));
  out.request.new_secret = std::move(*f.text("new_password"));
  if (out.request.secret.empty()) return NativeDialect::reject(out, errors::kWrongPassword, "the current password is needed");
  if (out.request.new_secret.empty()) return NativeDialect::reject(out, errors::kWeakPassword, "a new password is needed");
  out.request.command = ChangePassword{};
}
void build_deactivate(NativeDialect::Fields& f, Decoded& out) {
  out.request.secret = std::move(*f.text("password"));
  if (out.request.secret.empty()) return NativeDialect::reject(out, errors::kWrongPassword, "the password is needed");
  out.request.command = Deactivate{};
}

void build_set_display_name(NativeDialect::Fields& f, Decoded& out) {
  out.request.command = SetDisplayName{std::move(*f.text("display_name"))};
}
void build_change_username(NativeDialect::Fields& f, Decoded& out) {
  out.request.secret = std::move(*f.text("password"));
  if (out.request.secret.empty()) return NativeDialect::reject(out, errors::kWrongPassword, "the password is needed");
  out.request.command = ChangeUsername{std::move(*f.text("username"))};
}
void build_change_email(NativeDialect::Fields& f, Decoded& out) {
  out.request.secret = std::move(*f.text("password"));
  if (out.request.secret.empty()) return NativeDialect::reject(out, errors::kWrongPassword, "the password is needed");
  out.request.command = ChangeEmail{std::move(*f.text("email"))};
}

void reply_login(const Reply& reply, std::string& out) {
  const LoginReply& r = reply.body.as<LoginReply>();
  out += ',';
  append_account_names(r.account, r.username, r.display_name, out);
  out += ",\"device\":";
  append_json_uint(out, r.device);
  if (!r.token.empty()) {
    out += ",\"token\":";
    append_json_string(out, r.token);
  }
  if (!r.secret.empty()) {
    out += ",\"secret\":";
    append_json_string(out, r.secret);
  }
  if (r.deactivation_cancelled) {
    out += ",\"deactivation_cancelled\":";
    append_json_int(out, r.deactivation_cancelled);
  }
}

void reply_choose_account(const Reply& reply, std::string& out) {
  const auto* choice = reply.body.get_if<ChooseAccountReply>();
  if (!choice) return;
  out += ",\"accounts\":[";
  for (std::size_t i = 0; i < choice->accounts.size(); ++i) {
    const AccountChoice& a = choice->accounts[i];
    out += i ? ",{" : "{";
    append_account_names(a.account, a.username, a.display_name, out);
    out += '}';
  }
  out += ']';
}

void reply_deactivate(const Reply& reply, std::string& out) {
  out += ",\"purge_at\":";
  append_json_int(out, reply.body.as<DeactivationReply>().purge_at);
}

const char* cause_name(LogoutCause why) {
  switch (why) {
    case LogoutCause::kLogout: return "logout";
    case LogoutCause::kRevoked: return "revoked";
    case LogoutCause::kPasswordChanged: return "password_changed";
    case LogoutCause::kDeactivated: return "deactivated";
  }
  return "logout";
}

void reply_devices(const Reply& reply, std::string& out) {
  const DevicesReply& r = reply.body.as<DevicesReply>();
  out += ",\"devices\":[";
  for (std::size_t i = 0; i < r.devices.size(); ++i) {
    const DeviceListing& d = r.devices[i];
    out += i ? ",{\"device\":" : "{\"device\":";
    append_json_uint(out, d.device);
    out += ",\"name\":";
    append_json_string(out, d.name);
    out += ",\"created\":";
    append_json_int(out, d.created);
    out += ",\"last_login\":";
    append_json_int(out, d.last_login);
    if (d.current) out += ",\"current\":true";
    out += '}';
  }
  out += ']';
}

bool render_logged_out(const LoggedOutPush& p, bool, std::string& out) {
  out += "{\"type\":\"logged_out\",\"account\":";
  append_json_uint(out, p.account);
  out += ",\"device\":";
  append_json_uint(out, p.device);
  out += ",\"why\":\"";
  out += cause_name(p.why);
  out += "\"}";
  return true;
}

}  // namespace

void add_native_accounts(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  d.add_op("signup",
           {{"username", Type::kString, true}, {"email", Type::kString, true}, {"display_name", Type::kString, true},
            {"password", Type::kString}, {"issue_secret", Type::kBool}, {"device_name", Type::kString}},
           &build_signup);
  d.add_op("login",
           {{"username", Type::kString}, {"email", Type::kString}, {"account", Type::kUint}, {"password", Type::kString, true},
            {"device_name", Type::kString}},
           &build_login);
  d.add_op("login_token", {{"token", Type::kString, true}}, &build_login_token);
  d.add_op("logout", {}, &build_logout);
  d.add_op("devices", {}, &build_devices);
  d.add_op("revoke_device", {{"device", Type::kUint, true}}, &build_revoke);
  d.add_op("change_password", {{"password", Type::kString, true}, {"new_password", Type::kString, true}}, &build_change_password);
  d.add_op("deactivate", {{"password", Type::kString, true}}, &build_deactivate);
  d.add_op("set_display_name", {{"display_name", Type::kString, true}}, &build_set_display_name);
  d.add_op("change_username", {{"username", Type::kString, true}, {"password", Type::kString, true}}, &build_change_username);
  d.add_op("change_email", {{"email", Type::kString, true}, {"password", Type::kString, true}}, &build_change_email);
  d.add_reply<Signup>(&reply_login);
  d.add_reply<Login>(&reply_login);
  d.add_failure_reply<Login>(&reply_choose_account);
  d.add_reply<LoginToken>(&reply_login);
  d.add_reply<MyDevices>(&reply_devices);
  d.add_reply<Deactivate>(&reply_deactivate);
  d.pushes().add<&render_logged_out>();
}

}  // namespace chatd
