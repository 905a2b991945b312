// The accounts domain's social part of the projection (projections/accounts/*.cpp only): profile
// fields, their search terms, and follows.
// Thread-safety: plain functions of their arguments.
#pragma once

#include "projections/accounts/state.hpp"

namespace chatd::projections {

class Projections;
void add_social_projection(Projections& p);

// What a purge leaves of `id`'s social ties: none (its follows either way, its search terms).
void erase_social(AccountsState& s, AccountId id, const Account& account);

}  // namespace chatd::projections
