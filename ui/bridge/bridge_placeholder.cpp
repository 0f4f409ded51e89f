// SPDX-License-Identifier: MIT
// tb_bridge has no classes yet; the training session (ui/bridge/training_session.h) arrives with issue 3.
namespace tb::ui {
void bridgePlaceholder() {}
} // namespace tb::ui
