#pragma once
// Files written so that a crash leaves either nothing or the whole thing: fsync of files and of
// the directories that name them, SHA-256 of a file (libsodium), copies.

#include <cstdint>
#include <filesystem>
#include <string>

namespace mart::backup {

// Hex SHA-256 (crypto_hash_sha256) of the file's bytes. Throws std::runtime_error.
std::string sha256_of_file(const std::filesystem::path& file);

// fsync of a file or a directory (its entries). Throws std::runtime_error.
void sync_path(const std::filesystem::path& path);

// Writes `text` to a new file (mode 0600) and fsyncs it.
void write_file(const std::filesystem::path& file, const std::string& text);

// Copies `from` to a new file `to` (mode 0600) and fsyncs it.
void copy_file_synced(const std::filesystem::path& from, const std::filesystem::path& to);

// A fresh directory (mode 0700) named `<stem>.<random>` next to `stem`.
std::filesystem::path make_temp_dir(const std::filesystem::path& stem);

}  // namespace mart::backup
