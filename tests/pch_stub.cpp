// SPDX-License-Identifier: MIT
// Empty translation unit that carries the tests' precompiled header.
