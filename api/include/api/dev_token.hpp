#pragma once
/// Development sign-in: an access token shaped like the ones Supabase Auth issues (HS256,
/// `sub`, `aud`, `role`, `iat`, `exp`), signed with the server's own JWT_SECRET, so a
/// developer can open the console or call the API without a Supabase project. Used by
/// `evpower dev-token`, which refuses to run in production.
#include <chrono>
#include <string>

namespace evp::api {

/// A token for `user_id` (a UUID) valid for `lifetime`, signed with `secret`; `audience`
/// empty leaves `aud` out. Throws std::invalid_argument for an empty secret.
std::string mint_hs256_token(const std::string& secret, const std::string& user_id, const std::string& audience,
                             std::chrono::seconds lifetime);

}  // namespace evp::api
