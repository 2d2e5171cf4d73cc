// Terminal: the seam between top's pure model/layout and a real screen.
// CursesTerminal (curses_terminal.cpp, the only file that includes ncurses)
// draws frames and decodes keys, mouse and resizes; tests use a fake that
// records frames and replays scripted keys. A Terminal never reads the
// environment: colour policy (NO_COLOR, --mono) is decided by app/ and passed in.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/expected.hpp"
#include "tui/frame.hpp"

namespace sw::tui {

struct Key {
  enum class Kind : uint8_t {
    Char,  // `ch` (a Unicode code point; Ctrl-X arrives as Char 0x18)
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Escape,
    Backspace,
    Delete,
    Tab,
    BackTab,
    F1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    F9,
    F10,
    Mouse,   // `mouse`
    Resize,  // the terminal changed size: size() has the new one
  };
  enum class Button : uint8_t { None, Left, Right, Middle, WheelUp, WheelDown };
  Kind kind = Kind::Char;
  char32_t ch = 0;
  Button button = Button::None;
  int x = 0, y = 0;  // Mouse: the cell (0-based)

  static Key chr(char32_t c) { return Key{Kind::Char, c}; }
  static Key of(Kind k) { return Key{k, 0}; }
  bool is(char32_t c) const { return kind == Kind::Char && ch == c; }
};

struct TerminalOptions {
  bool color = true;  // false: monochrome (bold / reverse / underline only)
  bool mouse = true;
};

class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual int width() const = 0;
  virtual int height() const = 0;
  // Shows `f` (only what changed is sent to the terminal).
  virtual void draw(const Frame& f) = 0;
  // The next key already typed, without waiting; nullopt when none.
  virtual std::optional<Key> read_key() = 0;
  // Readable when keys are waiting (poll/epoll it; -1 for a fake).
  virtual int input_fd() const = 0;
  // Puts the terminal back as it was (idempotent; the destructor calls it).
  virtual void restore() = 0;
};

// The real terminal (ncurses on the controlling tty; stdin/stdout must be a
// terminal). An Error names why it cannot start (no terminfo entry, not a tty).
Expected<std::unique_ptr<Terminal>> open_curses_terminal(const TerminalOptions& opt);

// Restores the terminal from a fatal signal handler (SIGSEGV, SIGABRT,
// SIGBUS...): writes precomputed escape strings with write(2) only, since
// nothing else is safe there. Installed by open_curses_terminal.
void emergency_restore() noexcept;

}  // namespace sw::tui
