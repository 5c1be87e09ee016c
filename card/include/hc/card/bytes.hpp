// Byte buffers and hex text: base's (hc/base/bytes.hpp), the vocabulary every card/ header speaks.
#pragma once

#include "hc/base/bytes.hpp"
