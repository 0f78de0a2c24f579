// MaskMessage: splits a log message into whitespace tokens and replaces its variable parts by
// typed placeholders, in one left-to-right scan. This is the first stage of signature mining
// (miner.h): two messages printed by the same statement should come out of here identical as
// often as possible, so that the miner only has to generalise the variables no mask can see
// (user names, host names without a port, words).
//
// The masks (placeholder: what it replaces; examples):
//   <NUM>     integers, decimals, versions, thousands groups, signed (-1234, 1.0.0, 95,113)
//   <HEX>     0x... literals; runs of 6+ hex digits with a digit in them (9f4ef63a)
//   <UUID>    8-4-4-4-12 hex, also inside a token (req-<UUID>): correlation and request ids
//   <IP>      IPv4 (10.20.30.40) and IPv6 (fe80::1, 0:0:0:0:0:0:0:1); a port stays :<NUM>
//   <HOST>    a dotted host name followed by a port (proxy.cse.cuhk.edu.hk:5070 ->
//             <HOST>:<NUM>), or a dotted name ending in a common top-level domain
//             (www.google.com); Java package names (org.apache.x) are left alone
//   <URL>     scheme://... up to the end of the token (http://h:8080/x, tcp://h:9611)
//   <PATH>    an absolute path with at least two '/' (/opt/wso2/repository/x), C:\ paths
//   <API>     a path with a version segment: a WSO2 API context (/pizzashack/1.0.0/menu)
//   <DUR>     a number with a time unit, glued or as the next word (12ms, 1.5s, 60 seconds)
//   <SIZE>    a number with a size unit, glued or as the next word (64KB, 1.16 KB, 451 bytes)
//   <QUOTED>  '...' or "..." inside one token ('fault'); after '=' or ':' (tag="View Lock")
//             the quoted value may hold spaces
//   <USER>    e-mail-like user names (admin@carbon.super, john.doe@x.com)
//   <TENANT>  a bracketed negative tenant id ([-1234])
//   <DATE>    a month or weekday name next to a number (Sat Nov 16 02:21:11 -> <DATE> <DATE>
//             <NUM> <NUM>:<NUM>:<NUM>); digit groups of dates and times are <NUM>s with their
//             punctuation, the same shape every time
//   <ID>      an alphanumeric run with two or more digits (dn228, t761); with a single digit
//             after a letter it is a name and stays (en0, IPV6, SOCKS5, log4j)
//   <LONG>    a token longer than MaskOptions::max_token_bytes (base64 blobs, packed data)
// Placeholders in the input pass through: "<NUM>" (any of the above, "[<TENANT>]", "<LONG>"
// and "<...>" too) at the start of a token or after punctuation comes out as if a value of
// that type had been masked there (same text, hash, shape; `masked` set, `variable` unless
// the token has a letter outside placeholders), and the character after it counts as glued
// to the value, as it was. So masking a masked text gives it back with the same token hashes,
// shapes and flags (miner.h's Seed() relies on it to rebuild a template from its text), as
// long as it fits the caps again (a token that grew past max_token_bytes, a text past
// max_bytes), with two exceptions where the masks read across a line break the masked text
// no longer has: a quoted value after '=' or ':' that a newline cut, and a month name before
// another on the next line (and a message that held placeholders of its own inside quotes
// may mask differently twice). "<*>" (the miner's wildcard) is no placeholder here: it stays
// literal text, as do unknown names ("<FOO>") and a placeholder glued to a word ("x<NUM>").
// Each token also gets flags the miner uses: whether it has a letter of its own (a word) or a
// placeholder, its shape hash (placeholders alike), the key of a key=value token, and whether
// it is a qualified Java exception class.
//
// Why a hand-written scanner and not RE2: the masks run on every mined record (the replay
// pipeline must keep up with ripgrep). A chain of ~15 regex substitutions (what Drain3 does)
// costs 15 passes over the text and an allocation per substitution; RE2 per token costs a DFA
// start per token. Here each byte is classified once through a 256-entry table (which also
// notes the characters that make a costlier mask worth trying), a mask is only tried where a
// character can start it (a digit, a quote, a '/' after a boundary...), runs of letters are
// copied and hashed eight bytes at a time, and the output goes through a raw pointer into one
// reused buffer.
//
// Bounds: at most max_bytes of the message are read (cut at a UTF-8 character boundary) and
// at most max_tokens tokens are produced; the last token is then "<...>" and `truncated` is
// set. Bytes are copied as they are (invalid UTF-8 and all: the miner sanitises what it
// keeps); NUL and other ASCII control characters count as whitespace. The output is at most
// 8 bytes per input byte plus a little. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cg {

struct MaskOptions {
  size_t max_bytes = 4096;       // Bytes of the message that are read; the rest is ignored.
  size_t max_tokens = 128;       // Tokens produced at most (the last then being "<...>").
  size_t max_token_bytes = 256;  // A longer whitespace token becomes <LONG>.
};

// One token of a masked message.
struct MaskedToken {
  uint32_t begin = 0;  // Offset in MaskedMessage::text.
  uint32_t size = 0;   // Bytes.
  // A hash of the token's bytes: equal texts, equal hashes (in every process: it is fixed).
  uint64_t hash = 0;
  // The same with every placeholder counted alike: "iar <NUM>" and "iar <HEX>" have one shape.
  // The miner compares shapes (a value's type is no evidence of a different statement) and
  // shows the typed text.
  uint64_t shape = 0;
  // For a "key=value" token (a key of letters, digits, '_', '.', '-' starting with a letter,
  // and a non-empty value): Fnv1a64 of "key=". 0 otherwise.
  uint64_t key = 0;
  // No letter of its own: only placeholders, digits and punctuation ("<NUM>,", "(<IP>)").
  // Such a token carries no wording, so the miner treats it as a variable when routing.
  bool variable = false;
  // Holds at least one placeholder ("blk_<NUM>", "uid=<NUM>"): part of it varies.
  bool masked = false;
  // A qualified Java exception or error class ("java.net.SocketTimeoutException:"): the miner
  // never generalises one, since another class is another failure.
  bool exception = false;
};

// The masked form of a message. Reused between calls: MaskMessage() clears it and keeps the
// capacity, so masking allocates nothing once the buffers have grown.
struct MaskedMessage {
  std::string text;  // The masked tokens, separated by one space.
  std::vector<MaskedToken> tokens;
  uint64_t hash = 0;       // A hash of the token hashes (so of `text`).
  bool truncated = false;  // The message was cut at max_bytes or max_tokens.

  std::string_view Token(size_t i) const {
    return std::string_view(text).substr(tokens[i].begin, tokens[i].size);
  }
};

// Masks `message` into `*out` (see the header comment).
void MaskMessage(std::string_view message, const MaskOptions& options, MaskedMessage* out);

// Writes into `*key` (cleared first) a key of `message` such that two messages with the same
// key mask identically (same tokens, texts and flags): runs of two or more digits are replaced
// by their length (and, for three digits, whether the value exceeds 255, which decides an
// IPv4 address); everything else is kept. "CORRELATION_ID = 7781" and "... = 1234" share a
// key, so the miner's memo answers the second without masking it. Must change with the masks.
void MaskKey(std::string_view message, std::string* key);

// Convenience for tests and tools: the masked text of `message` with default options.
std::string MaskedText(std::string_view message);

}  // namespace cg
