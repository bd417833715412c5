// UTF-8 validity, byte by byte: where JSON output, partition values and
// column names must stay valid text.
#pragma once

#include <cstddef>
#include <string_view>

namespace swell {

// The length (1 to 4) of the valid UTF-8 sequence starting at s[i], or 0
// when it is not one (a stray continuation byte, an overlong form, a
// surrogate, a code point past U+10FFFF, or a sequence cut by the end).
// REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace swell
