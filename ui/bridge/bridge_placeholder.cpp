// SPDX-License-Identifier: MIT
// Placeholder translation unit until the training session lands (issue 3).
namespace tb::ui {
void bridgePlaceholder() {}
} // namespace tb::ui
