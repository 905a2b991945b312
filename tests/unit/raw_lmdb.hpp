// Editing a closed log's LMDB environment behind its back, to plant gaps and damaged events.
#pragma once

#include <catch2/catch.hpp>

#include <lmdb.h>

#include <cstdint>
#include <string>

// Runs `edit` on the folder's LMDB environment through the C API (the log must be closed).
template <typename Edit>
void raw_edit(const std::string& dir, Edit edit) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_mapsize(env, std::size_t{64} << 20) == 0);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
  edit(txn, dbi);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

inline MDB_val be_key(std::uint64_t seq, unsigned char (&buf)[8]) {
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<unsigned char>(seq & 0xff);
    seq >>= 8;
  }
  return MDB_val{8, buf};
}

